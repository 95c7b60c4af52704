import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { printPublishedSchema } from './schema';

const target = join(__dirname, '..', '..', 'schema.graphql');
writeFileSync(target, printPublishedSchema());
console.log(`wrote ${target}`);
