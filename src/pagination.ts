import { createCipheriv, createDecipheriv, createHmac, timingSafeEqual, type Cipher, type Decipher } from 'node:crypto';
import DataLoader from 'dataloader';
import { badInput } from './errors';
import type { PageInfo } from './pagination.type';
import type { DataSource, EntityTarget } from 'typeorm';
import { ActorEntity } from './actor/actor.entity';
import { AttachmentEntity } from './attachment/attachment.entity';
import { appendTo, hydrate, jsonObjectOf, sqlOnce } from './hydrate';
import type { ReadBatch } from './reads';

export const MAX_PAGE_SIZE = 100;
/** Items in a page when the client passes neither `first` nor `last`. */
export const DEFAULT_PAGE_SIZE = 20;

export interface Edge<T> {
  readonly cursor: string;
  readonly node: T;
}

/** A Relay connection as resolvers return it; `connectionTypes` (pagination.type.ts) gives its GraphQL types. */
export interface Connection<T> {
  edges: Edge<T>[];
  nodes: T[];
  pageInfo: PageInfo;
  totalCount: number;
}

/**
 * The lists whose cursors this API gives out, each with its owner: the
 * organization for `conversations`, the conversation for `messages` and
 * `comments` (and `commentAdded(after:)`, which takes comment cursors), the
 * recipient for `notifications` (and `notificationAdded(after:)`).
 */
export type ConnectionName = 'conversations' | 'messages' | 'comments' | 'notifications';

/** One connection's cursors: what its edges carry, and what its `after`/`before` accept. */
export interface ConnectionCursors {
  encode(seq: string | bigint): string;
  /** The row sequence a cursor of this connection names; null for no cursor; BAD_USER_INPUT naming `field` for anything else. */
  decode(cursor: string | null | undefined, field: string): string | null;
}

/** Sequences are PostgreSQL bigints: a larger number cannot be a cursor we gave out, and would fail the query. */
const MAX_SEQ = 9223372036854775807n;
const CURSOR_KEY_LABEL = 'sidedoor/cursor-key/v1';
const CURSOR_CHECK_LABEL = 'sidedoor/cursor-check/v1';
/** 16 bytes in base64url, unpadded. */
const CURSOR_SHAPE = /^[A-Za-z0-9_-]{22}$/;
/** How many connections' check values are remembered (a memo, not state: they are recomputed at will). */
const CHECK_MEMO_SIZE = 10_000;

/**
 * Cursors are opaque: each is one AES-256 block, keyed by a key derived from
 * SESSION_SECRET, holding the row's sequence (8 bytes) and a check value (8
 * bytes of an HMAC of the connection's name and owner). Rows take their
 * sequence from sequences shared by every organization, so a readable
 * sequence told how many rows were written elsewhere between two cursors;
 * encrypted, two cursors say nothing about each other, and a cursor of one
 * connection (another conversation's comments, a message cursor given to
 * `comments`) fails its check in any other and is refused with
 * BAD_USER_INPUT, exactly like a tampered one. Encryption is deterministic (a
 * keyed permutation of one block), so a row keeps one cursor: `Comment.cursor`
 * equals its edge's, and `commentAdded(after:)` accepts both. Changing
 * SESSION_SECRET makes every cursor given out before invalid (clients start
 * from the first page again).
 */
export class CursorCodec {
  // ECB on exactly one block, no padding: each `update` is a pure permutation
  // of its 16 bytes, so one cipher object serves every call (all synchronous).
  private readonly cipher: Cipher;
  private readonly decipher: Decipher;
  private readonly checkKey: Buffer;
  private readonly checks = new Map<string, Buffer>();

  constructor(secret: string) {
    const key = createHmac('sha256', secret).update(CURSOR_KEY_LABEL).digest();
    this.cipher = createCipheriv('aes-256-ecb', key, null).setAutoPadding(false);
    this.decipher = createDecipheriv('aes-256-ecb', key, null).setAutoPadding(false);
    this.checkKey = createHmac('sha256', secret).update(CURSOR_CHECK_LABEL).digest();
  }

  /** The cursors of one connection, bound to its owner. */
  of(name: ConnectionName, ownerId: string): ConnectionCursors {
    const check = this.checkOf(name, ownerId);
    return {
      encode: (seq) => this.encode(check, seq),
      decode: (cursor, field) => this.decode(check, cursor, field),
    };
  }

  private encode(check: Buffer, seq: string | bigint): string {
    const block = Buffer.allocUnsafe(16);
    block.writeBigUInt64BE(BigInt(seq), 0);
    check.copy(block, 8);
    return this.cipher.update(block).toString('base64url');
  }

  private decode(check: Buffer, cursor: string | null | undefined, field: string): string | null {
    if (cursor === null || cursor === undefined) return null;
    const refused = () => badInput(`${field} is not a cursor of this list.`, field);
    if (typeof cursor !== 'string' || !CURSOR_SHAPE.test(cursor)) throw refused();
    const sealed = Buffer.from(cursor, 'base64url');
    // The last character carries 2 spare bits: only the canonical spelling is a cursor we gave out.
    if (sealed.length !== 16 || sealed.toString('base64url') !== cursor) throw refused();
    const block = this.decipher.update(sealed);
    const seq = block.readBigUInt64BE(0);
    if (!timingSafeEqual(block.subarray(8), check) || seq > MAX_SEQ) throw refused();
    return seq.toString();
  }

  private checkOf(name: ConnectionName, ownerId: string): Buffer {
    const key = `${name}:${ownerId}`;
    let check = this.checks.get(key);
    if (!check) {
      check = createHmac('sha256', this.checkKey).update(key).digest().subarray(0, 8);
      if (this.checks.size >= CHECK_MEMO_SIZE) this.checks.clear();
      this.checks.set(key, check);
    }
    return check;
  }
}

/** Pagination arguments as the client sent them. */
export interface PageRequest {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
}

/**
 * Validated pagination arguments, with the Relay spec's semantics: the
 * window is the rows strictly between `after` and `before`; `first` keeps
 * the window's first rows, then `last` the last of those. Without either,
 * `first` is DEFAULT_PAGE_SIZE. Each is 0 to MAX_PAGE_SIZE.
 */
export interface PageArgs {
  first: number | null;
  last: number | null;
  afterSeq: string | null;
  beforeSeq: string | null;
}

function pageSize(value: number | null | undefined, field: 'first' | 'last'): number | null {
  if (value === null || value === undefined) return null;
  if (!Number.isInteger(value) || value < 0 || value > MAX_PAGE_SIZE) throw badInput(`${field} must be between 0 and ${MAX_PAGE_SIZE}.`, field);
  return value;
}

export function pageArgs(request: PageRequest, cursors: Pick<ConnectionCursors, 'decode'>): PageArgs {
  const first = pageSize(request.first, 'first');
  const last = pageSize(request.last, 'last');
  return {
    first: first === null && last === null ? DEFAULT_PAGE_SIZE : first,
    last,
    afterSeq: cursors.decode(request.after, 'after'),
    beforeSeq: cursors.decode(request.before, 'before'),
  };
}

/**
 * How many rows to fetch for a page, and from which end of the window:
 * one more than the page holds, so the extra row tells whether there is more.
 */
export function windowOf(args: PageArgs): { fromEnd: boolean; limit: number } {
  return args.first !== null ? { fromEnd: false, limit: args.first + 1 } : { fromEnd: true, limit: args.last! + 1 };
}

/** One page of rows as fetched (see `windowOf`), in display order, with what lies outside the window. */
export interface Page<T> {
  rows: T[];
  totalCount: number;
  /** Whether rows exist at or before the `after` cursor's row. */
  rowsBeforeWindow: boolean;
  /** Whether rows exist at or after the `before` cursor's row. */
  rowsAfterWindow: boolean;
}

export const emptyPage = <T>(): Page<T> => ({ rows: [], totalCount: 0, rowsBeforeWindow: false, rowsAfterWindow: false });

/** An edge whose cursor is sealed only if a client asks for it. */
class PageEdge<T extends { seq: string }> implements Edge<T> {
  constructor(
    readonly node: T,
    private readonly cursors: Pick<ConnectionCursors, 'encode'>,
  ) {}

  get cursor(): string {
    return this.cursors.encode(this.node.seq);
  }
}

/**
 * The connection for a page. The rows are the Relay spec's: the window
 * between the cursors, cut to its first `first` rows, then to the last `last`
 * of those. `hasNextPage` says whether anything follows the page's last item,
 * in the window (cut off by `first`) or from `before` on; `hasPreviousPage`
 * whether anything precedes its first, in the window (cut off by `last`) or
 * up to `after`. That is what the spec requires for `first`/`after` and for
 * `last`/`before`, and what it allows servers that can tell cheaply to say in
 * the other direction: ours can (see `Page`).
 */
export function toConnection<T extends { seq: string }>(page: Page<T>, args: PageArgs, cursors: Pick<ConnectionCursors, 'encode'>): Connection<T> {
  let rows = page.rows;
  let hasNextPage = page.rowsAfterWindow;
  let hasPreviousPage = page.rowsBeforeWindow;
  if (args.first !== null) {
    hasNextPage ||= rows.length > args.first;
    rows = rows.slice(0, args.first);
  }
  if (args.last !== null) {
    hasPreviousPage ||= rows.length > args.last;
    rows = rows.slice(Math.max(0, rows.length - args.last));
  }
  const edges = rows.map((node) => new PageEdge(node, cursors));
  return {
    edges,
    nodes: rows,
    totalCount: page.totalCount,
    pageInfo: {
      hasNextPage,
      hasPreviousPage,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}

const pageKey = ({ first, last, afterSeq, beforeSeq }: PageArgs) => `${first ?? ''}:${last ?? ''}:${afterSeq ?? ''}:${beforeSeq ?? ''}`;

/**
 * A DataLoader of pages keyed by parent: every parent asking for the same
 * page arguments in one tick is served by one statement, so a list of 25
 * conversations with their comments costs one query, not 25.
 */
export function createPageLoader<T>(fetch: (parentIds: string[], args: PageArgs) => Promise<Map<string, Page<T>>>) {
  return new DataLoader<{ parentId: string; args: PageArgs }, Page<T>, string>(
    async (keys) => {
      const groups = new Map<string, { args: PageArgs; parentIds: string[] }>();
      for (const { parentId, args } of keys) {
        const groupKey = pageKey(args);
        const group = groups.get(groupKey) ?? { args, parentIds: [] };
        group.parentIds.push(parentId);
        groups.set(groupKey, group);
      }
      const results = new Map<string, Page<T>>();
      await Promise.all(
        [...groups.entries()].map(async ([groupKey, group]) => {
          const pages = await fetch(group.parentIds, group.args);
          for (const parentId of group.parentIds) {
            results.set(`${parentId}:${groupKey}`, pages.get(parentId) ?? emptyPage());
          }
        }),
      );
      return keys.map(({ parentId, args }) => results.get(`${parentId}:${pageKey(args)}`)!);
    },
    { cacheKeyFn: ({ parentId, args }) => `${parentId}:${pageKey(args)}` },
  );
}

/** One statement's worth of conversation pages, as `createConversationPageLoader` selects them. */
interface PageBundle {
  totals: { conversation_id: string; total: number; rows_before_window: boolean; rows_after_window: boolean }[];
  /** The pages' rows of every conversation, in display order within each. */
  rows: Record<string, unknown>[];
  /** The actors the rows name, each once. */
  actors: Record<string, unknown>[];
  /** The rows' attachments, in display order. */
  attachments: Record<string, unknown>[];
  /** What `source.related` added. */
  related: unknown;
}

/** A bundle's related rows as entities, for `assemble`. */
export interface PageRelations {
  actors: Map<string, ActorEntity>;
  attachments: Map<string, AttachmentEntity[]>;
  /** What `source.related` selected, as is. */
  related: unknown;
}

/**
 * Pages of the rows of a conversation-owned table (comments, messages) for any
 * number of conversations, oldest first, forwards or backwards: one read per
 * page arguments (batched with the rest of the tick, see ReadBatch), with each
 * conversation's total and whether rows lie beyond the cursors. The read
 * returns one JSON bundle: the rows (named columns, no per-row subqueries),
 * the actors they name (authors, and any `moreActorIds`) once each, their
 * attachments, and whatever `related` selects from the `page_rows` CTE.
 */
export function createConversationPageLoader<T extends { conversationId: string }>(
  dataSource: DataSource,
  reads: ReadBatch,
  organizationId: string | null,
  source: {
    table: 'comments' | 'messages';
    entity: EntityTarget<T>;
    /** The attachments' column naming a row of `table`. */
    attachmentOwner: 'comment_id' | 'message_id';
    /** SQL selecting more actor ids the page's rows name (from `page_rows`), besides their authors. */
    moreActorIds?: string;
    /** A JSON expression over `page_rows`, handed to `assemble` as `related`. */
    related?: string;
    /** Given one bundle's relations, what completes each of its rows' entities. */
    assemble(relations: PageRelations): (entity: T) => T;
  },
) {
  const { table, attachmentOwner } = source;
  const sql = (fromEnd: boolean) => `
    WITH totals AS (
      SELECT conversation_id, count(*)::int AS total,
             coalesce(bool_or(seq <= $3::bigint), false) AS rows_before_window,
             coalesce(bool_or(seq >= $4::bigint), false) AS rows_after_window
        FROM ${table}
       WHERE conversation_id = ANY($1::uuid[]) AND organization_id = $2::uuid
       GROUP BY conversation_id
    ), page_rows AS (
      SELECT r.* FROM totals CROSS JOIN LATERAL (
        SELECT * FROM ${table} r
         WHERE r.conversation_id = totals.conversation_id
           AND ($3::bigint IS NULL OR r.seq > $3::bigint)
           AND ($4::bigint IS NULL OR r.seq < $4::bigint)
         ORDER BY r.seq ${fromEnd ? 'DESC' : 'ASC'}
         LIMIT $5::int
      ) r
    )
    SELECT json_build_object(
      'totals', (SELECT coalesce(json_agg(totals), '[]') FROM totals),
      'rows', (SELECT coalesce(json_agg(${jsonObjectOf(dataSource, source.entity, 'r')} ORDER BY r.conversation_id, r.seq), '[]') FROM page_rows r),
      'actors', (SELECT coalesce(json_agg(${jsonObjectOf(dataSource, ActorEntity, 'a')}), '[]')
                   FROM actors a
                  WHERE a.id IN (SELECT author_id FROM page_rows${source.moreActorIds ? ` UNION ${source.moreActorIds}` : ''})),
      'attachments', (SELECT coalesce(json_agg(${jsonObjectOf(dataSource, AttachmentEntity, 'f')} ORDER BY f.seq), '[]')
                        FROM attachments f WHERE f.${attachmentOwner} IN (SELECT id FROM page_rows)),
      'related', ${source.related ?? 'null'}
    )`;
  // A backward page takes the window's last rows (newest first); the bundle lists them in display order.
  const statements = {
    forwards: sqlOnce(`${table}-page:forwards`, () => sql(false)),
    backwards: sqlOnce(`${table}-page:backwards`, () => sql(true)),
  };
  const ownerOf = attachmentOwner === 'comment_id' ? (file: AttachmentEntity) => file.commentId! : (file: AttachmentEntity) => file.messageId!;
  return createPageLoader<T>(async (conversationIds, args) => {
    const pages = new Map<string, Page<T>>();
    if (!organizationId) return pages;
    const { fromEnd, limit } = windowOf(args);
    const bundle = await reads.value<PageBundle>(fromEnd ? statements.backwards : statements.forwards, [
      conversationIds,
      organizationId,
      args.afterSeq,
      args.beforeSeq,
      limit,
    ]);
    for (const total of bundle.totals) {
      pages.set(total.conversation_id, {
        rows: [],
        totalCount: total.total,
        rowsBeforeWindow: total.rows_before_window,
        rowsAfterWindow: total.rows_after_window,
      });
    }
    const relations: PageRelations = { actors: new Map(), attachments: new Map(), related: bundle.related };
    for (const row of bundle.actors) {
      const actor = hydrate(dataSource, ActorEntity, row);
      relations.actors.set(actor.id, actor);
    }
    for (const row of bundle.attachments) {
      const file = hydrate(dataSource, AttachmentEntity, row);
      appendTo(relations.attachments, ownerOf(file), file);
    }
    const complete = source.assemble(relations);
    for (const row of bundle.rows) {
      const entity = complete(hydrate(dataSource, source.entity, row));
      pages.get(entity.conversationId)?.rows.push(entity);
    }
    return pages;
  });
}
