import type { DataSource } from 'typeorm';
import { Reader } from '../src/reads';

/** How a tick's reads become one statement (src/reads.ts); through the API, test/inbox/statements.test.ts counts them. */
describe('combining a tick of reads', () => {
  const reader = new Reader({} as DataSource, { prepare: true });
  const byId = { sql: 'SELECT x FROM a WHERE id = $1 AND org = $2', params: ['i', 'o'] };
  const page = { sql: 'SELECT y FROM b WHERE c = $1 AND seq > $2 LIMIT $3', params: ['c', 1, 10] };

  it('selects each read as a column, its placeholders numbered after those of the reads before it', () => {
    expect(reader.combine([byId, page])).toBe(
      'SELECT (SELECT x FROM a WHERE id = $1 AND org = $2) AS r0,\n(SELECT y FROM b WHERE c = $3 AND seq > $4 LIMIT $5) AS r1',
    );
    expect(reader.combine([page, byId])).toBe(
      'SELECT (SELECT y FROM b WHERE c = $1 AND seq > $2 LIMIT $3) AS r0,\n(SELECT x FROM a WHERE id = $4 AND org = $5) AS r1',
    );
  });

  it('builds the statement of one sequence of reads once', () => {
    const first = reader.combine([byId, page, byId]);
    expect(reader.combine([{ ...byId, params: ['j', 'p'] }, page, byId])).toBe(first);
  });

  it('refuses a read whose parameters are not exactly its $1..$n', () => {
    expect(() => reader.combine([byId, { sql: 'SELECT z FROM d WHERE e = $1', params: ['e', 'unused'] }])).toThrow(/takes 2 parameters but its SQL uses \$1\.\.\$1/);
  });
});
