import type { DataSource, EntityTarget, ObjectLiteral } from 'typeorm';

const TIMESTAMP_TYPES = new Set(['timestamptz', 'timestamp', 'timestamp with time zone', 'date']);

/**
 * An entity instance from a raw row (a pg row, or a to_jsonb() object embedded
 * in one), using the entity's column metadata: snake_case names become
 * properties, timestamps become Dates, bigints become strings, transformers apply.
 * Raw SQL is how our loaders fetch a page and its relations in one statement.
 */
export function hydrate<T extends ObjectLiteral>(dataSource: DataSource, target: EntityTarget<T>, row: Record<string, unknown>): T {
  const metadata = dataSource.getMetadata(target);
  const entity = metadata.create() as T;
  for (const column of metadata.columns) {
    if (!(column.databaseName in row)) continue;
    let value = row[column.databaseName];
    if (value !== null && value !== undefined) {
      if (TIMESTAMP_TYPES.has(String(column.type)) && !(value instanceof Date)) value = new Date(value as string);
      else if (column.type === 'bigint' && typeof value === 'number') value = String(value);
      const transformer = column.transformer;
      if (transformer && !Array.isArray(transformer)) value = transformer.from(value);
    }
    (entity as Record<string, unknown>)[column.propertyName] = value;
  }
  return entity;
}
