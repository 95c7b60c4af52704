import type { DataSource, EntityTarget, ObjectLiteral } from 'typeorm';
import type { EntityMetadata } from 'typeorm/metadata/EntityMetadata';

const TIMESTAMP_TYPES = new Set(['timestamptz', 'timestamp', 'timestamp with time zone', 'date']);

/** How one column's raw value becomes its property: worked out once per entity, not per row. */
interface ColumnMapping {
  readonly databaseName: string;
  readonly propertyName: string;
  readonly convert: ((value: unknown) => unknown) | null;
}

const mappings = new WeakMap<EntityMetadata, readonly ColumnMapping[]>();

function mappingOf(metadata: EntityMetadata): readonly ColumnMapping[] {
  let mapping = mappings.get(metadata);
  if (!mapping) {
    mapping = metadata.columns.map((column) => {
      const transformer = column.transformer && !Array.isArray(column.transformer) ? column.transformer : null;
      const parse = TIMESTAMP_TYPES.has(String(column.type))
        ? (value: unknown) => (value instanceof Date ? value : new Date(value as string))
        : column.type === 'bigint'
          ? (value: unknown) => (typeof value === 'number' ? String(value) : value)
          : null;
      const convert =
        parse && transformer ? (value: unknown) => transformer.from(parse(value)) : transformer ? (value: unknown) => transformer.from(value) : parse;
      return { databaseName: column.databaseName, propertyName: column.propertyName, convert };
    });
    mappings.set(metadata, mapping);
  }
  return mapping;
}

/**
 * An entity instance from a raw row (a pg row, or a JSON object built by
 * `jsonObjectOf` and embedded in one), using the entity's column metadata:
 * snake_case names become properties, timestamps become Dates, bigints become
 * strings, transformers apply. Raw SQL is how our loaders fetch a page and
 * its relations in one statement.
 */
export function hydrate<T extends ObjectLiteral>(dataSource: DataSource, target: EntityTarget<T>, row: Record<string, unknown>): T {
  const metadata = dataSource.getMetadata(target);
  const entity = metadata.create() as Record<string, unknown>;
  for (const { databaseName, propertyName, convert } of mappingOf(metadata)) {
    if (!(databaseName in row)) continue;
    const value = row[databaseName];
    entity[propertyName] = value === null || value === undefined || !convert ? value : convert(value);
  }
  return entity as T;
}

const jsonObjects = new Map<string, string>();

/**
 * `json_build_object('id', a."id", ...)` over every column of an entity, for
 * the row aliased `alias`: what `hydrate` reads back. Columns are named one by
 * one (never `a.*` or `to_jsonb(a)`), so a page carries what the entity maps
 * and nothing else, and PostgreSQL builds it without a row-type conversion.
 */
export function jsonObjectOf(dataSource: DataSource, target: EntityTarget<ObjectLiteral>, alias: string): string {
  const metadata = dataSource.getMetadata(target);
  const key = `${metadata.tableName}:${alias}`;
  let sql = jsonObjects.get(key);
  if (!sql) {
    sql = `json_build_object(${metadata.columns.map((column) => `'${column.databaseName}', ${alias}."${column.databaseName}"`).join(', ')})`;
    jsonObjects.set(key, sql);
  }
  return sql;
}

const statements = new Map<string, string>();

/**
 * SQL built from entity metadata (table and column names, the same for every
 * DataSource of the process), under a key naming what it reads: built on
 * first use and reused, so making a request's loaders builds no SQL.
 */
export function sqlOnce(key: string, build: () => string): string {
  let sql = statements.get(key);
  if (sql === undefined) {
    sql = build();
    statements.set(key, sql);
  }
  return sql;
}

/** Adds `value` to the list under `key`: how loaders regroup one statement's rows per parent. */
export function appendTo<K, V>(groups: Map<K, V[]>, key: K, value: V): void {
  const list = groups.get(key);
  if (list) list.push(value);
  else groups.set(key, [value]);
}
