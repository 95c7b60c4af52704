import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema, findBreakingChanges } from 'graphql';
import { getSchema, printPublishedSchema } from '../src/schema';

const published = readFileSync(join(__dirname, '..', 'schema.graphql'), 'utf8');

describe('the published schema', () => {
  it('is the schema the code builds: run `npm run schema` after changing a type', () => {
    expect(published).toBe(printPublishedSchema());
  });

  it('is only ever extended: the code breaks nothing that clients of the committed schema.graphql rely on', () => {
    // The shared API contract is CI's check (.ci/run runs contract-check.js); this repository needs nothing beside it.
    expect(findBreakingChanges(buildSchema(published), getSchema()).map((change) => change.description)).toEqual([]);
  });
});
