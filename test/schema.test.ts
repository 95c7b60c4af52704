import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema, findBreakingChanges } from 'graphql';
import { printPublishedSchema } from '../src/schema';

const root = join(__dirname, '..');

describe('the published schema', () => {
  it('is the schema the code builds: run `npm run schema` after changing a type', () => {
    expect(readFileSync(join(root, 'schema.graphql'), 'utf8')).toBe(printPublishedSchema());
  });

  it('is a compatible superset of ../shared/contract.graphql', () => {
    const contract = buildSchema(readFileSync(join(root, '..', 'shared', 'contract.graphql'), 'utf8'));
    const published = buildSchema(readFileSync(join(root, 'schema.graphql'), 'utf8'));
    expect(findBreakingChanges(contract, published).map((change) => change.description)).toEqual([]);
  });
});
