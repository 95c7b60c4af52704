import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { printPossibleTypes, printPublishedSchema } from './schema';

const root = join(__dirname, '..', '..');
for (const [file, content] of [
  ['schema.graphql', printPublishedSchema()],
  ['possible-types.json', printPossibleTypes()],
] as const) {
  const target = join(root, file);
  writeFileSync(target, content);
  console.log(`wrote ${target}`);
}
