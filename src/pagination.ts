import DataLoader from 'dataloader';
import type { DataSource } from 'typeorm';
import { badInput } from './errors';
import type { PageInfo } from './pagination.type';

export const MAX_PAGE_SIZE = 100;

export interface Edge<T> {
  cursor: string;
  node: T;
}

/** A Relay connection as resolvers return it; `connectionTypes` (pagination.type.ts) gives its GraphQL types. */
export interface Connection<T> {
  edges: Edge<T>[];
  nodes: T[];
  pageInfo: PageInfo;
  totalCount: number;
}

/**
 * Cursors are the row's insertion sequence, opaque to clients. A sequence is
 * never reused, so a cursor stays valid and stable while rows are added.
 */
export const encodeCursor = (seq: string | number | bigint) => Buffer.from(`c:${seq}`, 'utf8').toString('base64url');

/** Sequences are PostgreSQL bigints: a larger number cannot be a cursor we gave out, and would fail the query. */
const MAX_SEQ = 9223372036854775807n;

export function decodeCursor(cursor: string | null | undefined, field = 'after'): string | null {
  if (cursor === null || cursor === undefined) return null;
  const decoded = typeof cursor === 'string' && cursor.length < 64 ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  const match = /^c:(\d{1,19})$/.exec(decoded);
  if (!match || encodeCursor(match[1]!) !== cursor || BigInt(match[1]!) > MAX_SEQ) throw badInput(`${field} is not a cursor this API gave out.`, field);
  return match[1]!;
}

/** Validated pagination arguments: `first` from 0 to 100. */
export interface PageArgs {
  first: number;
  afterSeq: string | null;
}

export function pageArgs(first: number | null | undefined, after: string | null | undefined): PageArgs {
  const size = first ?? 20;
  if (!Number.isInteger(size) || size < 0 || size > MAX_PAGE_SIZE) {
    throw badInput(`first must be between 0 and ${MAX_PAGE_SIZE}.`, 'first');
  }
  return { first: size, afterSeq: decodeCursor(after) };
}

/** One page of rows as fetched: at most first + 1 rows, so we know whether there is a next page. */
export interface Page<T> {
  rows: T[];
  totalCount: number;
}

export function toConnection<T extends { seq: string }>(page: Page<T>, args: PageArgs): Connection<T> {
  const rows = page.rows.slice(0, args.first);
  const edges = rows.map((node) => ({ cursor: encodeCursor(node.seq), node }));
  return {
    edges,
    nodes: rows,
    totalCount: page.totalCount,
    pageInfo: {
      hasNextPage: page.rows.length > args.first,
      hasPreviousPage: args.afterSeq !== null,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}

/**
 * A DataLoader of pages keyed by parent: every parent asking for the same
 * (first, after) in one tick is served by one statement, so a list of 25
 * conversations with their comments costs one query, not 25.
 */
export function createPageLoader<T>(fetch: (parentIds: string[], args: PageArgs) => Promise<Map<string, Page<T>>>) {
  return new DataLoader<{ parentId: string; args: PageArgs }, Page<T>, string>(
    async (keys) => {
      const groups = new Map<string, { args: PageArgs; parentIds: string[] }>();
      for (const { parentId, args } of keys) {
        const groupKey = `${args.first}:${args.afterSeq ?? ''}`;
        const group = groups.get(groupKey) ?? { args, parentIds: [] };
        group.parentIds.push(parentId);
        groups.set(groupKey, group);
      }
      const results = new Map<string, Page<T>>();
      await Promise.all(
        [...groups.entries()].map(async ([groupKey, group]) => {
          const pages = await fetch(group.parentIds, group.args);
          for (const parentId of group.parentIds) {
            results.set(`${parentId}:${groupKey}`, pages.get(parentId) ?? { rows: [], totalCount: 0 });
          }
        }),
      );
      return keys.map(({ parentId, args }) => results.get(`${parentId}:${args.first}:${args.afterSeq ?? ''}`)!);
    },
    { cacheKeyFn: ({ parentId, args }) => `${parentId}:${args.first}:${args.afterSeq ?? ''}` },
  );
}

/**
 * Pages of the rows of a conversation-owned table (comments, messages) for any
 * number of conversations, oldest first: one statement per (first, after),
 * with each conversation's total in the same statement.
 */
export function createConversationPageLoader<T>(
  dataSource: DataSource,
  organizationId: string | null,
  source: {
    /** The table, aliased by `alias` in `select`. */
    table: 'comments' | 'messages';
    alias: string;
    /** The columns of one row, relations included. */
    select: string;
    hydrate: (dataSource: DataSource, row: Record<string, any>) => T;
  },
) {
  const { table, alias, select, hydrate } = source;
  return createPageLoader<T>(async (conversationIds, { first, afterSeq }) => {
    const rows: Record<string, any>[] = await dataSource.query(
      `SELECT totals.conversation_id AS parent_id, totals.total, page.*
         FROM (SELECT conversation_id, count(*)::int AS total FROM ${table}
                WHERE conversation_id = ANY($1) AND organization_id = $2 GROUP BY conversation_id) totals
         LEFT JOIN LATERAL (
           SELECT ${select}
             FROM ${table} ${alias}
            WHERE ${alias}.conversation_id = totals.conversation_id AND ($3::bigint IS NULL OR ${alias}.seq > $3::bigint)
            ORDER BY ${alias}.seq
            LIMIT $4
         ) page ON true`,
      [conversationIds, organizationId, afterSeq, first + 1],
    );
    const pages = new Map<string, Page<T>>();
    for (const row of rows) {
      const page: Page<T> = pages.get(row.parent_id) ?? { rows: [], totalCount: row.total };
      if (row.id) page.rows.push(hydrate(dataSource, row));
      pages.set(row.parent_id, page);
    }
    return pages;
  });
}
