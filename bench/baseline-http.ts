/**
 * The HTTP baselines: what the conversation page costs with nothing but
 * node:http, graphql-js and hand-written pg queries. Same published schema,
 * same JSON (verified byte for byte by the benchmark before it measures, for
 * a member and for a guest); each distinct query string is parsed and
 * validated once. It serves the fields the benchmark asks for and nothing
 * else: it is a yardstick, not a second implementation.
 *
 * One server, two variants (`BASELINE_AUTH`), so the cost of Sidedoor's
 * authorization rules can be seen on its own:
 * - `plain`: knows whose page it is and no more. The live sessions are read
 *   once when it starts (a request costs a keyed hash and a map lookup), the
 *   conversation is read by its id alone. A guest still gets null + FORBIDDEN
 *   at the members-only fields, since that is part of the answer.
 * - `rules`: Sidedoor's rules by hand. Every request verifies its session in
 *   the database as src/auth/session.service.ts does (one statement: session
 *   not expired, actor active, guests enabled for a guest, the guest's live
 *   accesses), and the conversation must be readable by the viewer as
 *   src/conversation/conversation.policy.ts says (same organization; a member,
 *   or a guest with a live, unexpired access to a thread), or it is NOT_FOUND.
 *   (A guest's expired access is not settled here: Sidedoor writes its audit
 *   event; the benchmark's guests have none.)
 * In both, every field marked `@membersOnly` in schema.graphql answers a guest
 * null + FORBIDDEN with Sidedoor's message, as its `@Authorized` gate does.
 */
import { createCipheriv, createDecipheriv, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import {
  buildSchema,
  defaultFieldResolver,
  execute,
  GraphQLError,
  GraphQLObjectType,
  parse,
  validate,
  type DocumentNode,
  type GraphQLFieldResolver,
  type GraphQLSchema,
} from 'graphql';
import { Pool } from 'pg';
import { serveParent } from './proc';
import { defaultDatabasePoolSize } from '../src/config';

/** Which variant this process is: see the top of the file. */
export type BaselineAuth = 'plain' | 'rules';

interface Access {
  level: 'COMMENT' | 'READ';
  /** Milliseconds since the epoch; null: until someone removes it. */
  expiresAt: number | null;
}

interface Viewer {
  actorId: string;
  organizationId: string;
  kind: 'MEMBER' | 'GUEST';
  role: string | null;
  guestsEnabled: boolean;
  whoCanInvite: string;
  /** A guest's live accesses by conversation id; empty for a member. */
  guestAccess: Map<string, Access>;
}

interface Context {
  viewer: Viewer;
}

const auth = process.env.BASELINE_AUTH as BaselineAuth;
if (auth !== 'plain' && auth !== 'rules') throw new Error(`BASELINE_AUTH must be plain or rules, got ${process.env.BASELINE_AUTH}`);

// The same pool size (Sidedoor's default, DATABASE_POOL_SIZE) and settings as Sidedoor's (src/db.ts), so only the stack differs. Idle connections close
// after a second: B2 measures one server at a time, and the others' idle pools must not use up PostgreSQL's
// max_connections meanwhile (under load a connection is never idle that long).
const IDLE_CONNECTION_MS = 1000;
const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: defaultDatabasePoolSize(), options: '-c jit=off', idleTimeoutMillis: IDLE_CONNECTION_MS });
const secret = process.env.SESSION_SECRET!;

/** Statements sent, read by the benchmark like Sidedoor's own counter. */
let statements = 0;
function query(text: string, values: unknown[]) {
  statements += 1;
  return pool.query(text, values);
}

const gid = (type: string, id: string) => Buffer.from(`${type}:${id}`, 'utf8').toString('base64url');
// The same opaque cursors as Sidedoor's (src/pagination.ts), so both answer the same JSON and pay the same
// price: one AES-256 block of the row's sequence and a check value bound to the list and its owner.
const cursorCipher = createCipheriv('aes-256-ecb', createHmac('sha256', secret).update('sidedoor/cursor-key/v1').digest(), null).setAutoPadding(false);
const cursorDecipher = createDecipheriv('aes-256-ecb', createHmac('sha256', secret).update('sidedoor/cursor-key/v1').digest(), null).setAutoPadding(false);
const cursorCheckKey = createHmac('sha256', secret).update('sidedoor/cursor-check/v1').digest();
const cursorsOf = (list: 'messages' | 'comments', conversationId: string) => {
  const check = createHmac('sha256', cursorCheckKey).update(`${list}:${conversationId}`).digest().subarray(0, 8);
  return {
    encode(seq: string): string {
      const block = Buffer.alloc(16);
      block.writeBigUInt64BE(BigInt(seq));
      check.copy(block, 8);
      return cursorCipher.update(block).toString('base64url');
    },
    decode(after: string | null | undefined): string | null {
      if (after == null) return null;
      const sealed = Buffer.from(after, 'base64url');
      const block = sealed.length === 16 && sealed.toString('base64url') === after ? cursorDecipher.update(sealed) : null;
      if (!block || !block.subarray(8).equals(check)) throw error('BAD_USER_INPUT', 'after is not a cursor of this list.');
      return block.readBigUInt64BE(0).toString();
    },
  };
};
const iso = (date: Date | null) => (date ? date.toISOString() : null);
const error = (code: string, message: string) => new GraphQLError(message, { extensions: { code } });
const actor = (row: { id: string; kind: string; name: string }) => ({
  __typename: row.kind === 'GUEST' ? 'Guest' : 'User',
  id: gid(row.kind === 'GUEST' ? 'Guest' : 'User', row.id),
  name: row.name,
  isGuest: row.kind === 'GUEST',
});
const attachments = (rows: Array<{ id: string; filename: string; contentType: string; size: number }>) =>
  rows.map((row) => ({ ...row, id: gid('Attachment', row.id) }));

/**
 * Sidedoor's session statement (src/auth/session.service.ts), written out:
 * the viewer of every live session matching `condition`, with a guest's live
 * accesses.
 */
async function viewersWhere(condition: string, values: unknown[]): Promise<Array<{ tokenHash: string; viewer: Viewer }>> {
  const { rows } = await query(
    `SELECT s.token_hash, a.id AS actor_id, a.organization_id, a.kind, a.role, o.guests_enabled, o.who_can_invite, g.guest_access
       FROM sessions s
       JOIN actors a ON a.id = s.actor_id
       JOIN organizations o ON o.id = a.organization_id
       LEFT JOIN LATERAL (
         SELECT json_agg(json_build_array(ga.conversation_id, ga.level, floor(extract(epoch FROM ga.expires_at) * 1000)))
                  FILTER (WHERE ga.expires_at IS NULL OR ga.expires_at > now()) AS guest_access
           FROM guest_access ga
          WHERE ga.guest_id = a.id AND a.kind = 'GUEST'
       ) g ON true
      WHERE ${condition} AND s.expires_at > now() AND a.status = 'ACTIVE' AND (a.kind = 'MEMBER' OR o.guests_enabled)`,
    values,
  );
  return rows.map((row) => ({
    tokenHash: row.token_hash,
    viewer: {
      actorId: row.actor_id,
      organizationId: row.organization_id,
      kind: row.kind,
      role: row.role,
      guestsEnabled: row.guests_enabled,
      whoCanInvite: row.who_can_invite,
      guestAccess: new Map(
        (row.guest_access ?? []).map(([conversationId, level, expiresAt]: [string, Access['level'], number | null]) => [conversationId, { level, expiresAt }]),
      ),
    },
  }));
}

/** `plain`: every live session's viewer, read once at start-up. */
const knownViewers: Promise<Map<string, Viewer>> | null =
  auth === 'plain' ? viewersWhere('true', []).then((found) => new Map(found.map(({ tokenHash, viewer }) => [tokenHash, viewer]))) : null;

async function authenticate(header: string | undefined): Promise<Viewer | null> {
  const token = /^Bearer\s+(\S+)$/i.exec(header?.trim() ?? '')?.[1];
  if (!token || token.length > 200) return null;
  const tokenHash = createHmac('sha256', secret).update(token).digest('base64url');
  if (knownViewers) return (await knownViewers).get(tokenHash) ?? null;
  return (await viewersWhere('s.token_hash = $1', [tokenHash]))[0]?.viewer ?? null;
}

/** A guest's access to a conversation if it has not expired (src/auth/viewer.ts `liveAccess`). */
function liveAccess(viewer: Viewer, conversationId: string): Access | null {
  const access = viewer.guestAccess.get(conversationId);
  return access && (access.expiresAt === null || access.expiresAt > Date.now()) ? access : null;
}

/** `rules`: src/conversation/conversation.policy.ts `canRead`. */
function canRead(viewer: Viewer, row: { id: string; organization_id: string; kind: string }): boolean {
  if (row.organization_id !== viewer.organizationId) return false;
  return viewer.kind === 'MEMBER' || (row.kind === 'THREAD' && liveAccess(viewer, row.id) !== null);
}

const notFound = () => error('NOT_FOUND', 'Not found: nothing with this ID exists.');

/** A conversation as the page shows it; `_` holds what its sub-queries need. */
async function conversation(viewer: Viewer, globalId: string) {
  const decoded = Buffer.from(String(globalId), 'base64url').toString('utf8');
  const id = decoded.startsWith('Conversation:') ? decoded.slice('Conversation:'.length) : '';
  if (!/^[0-9a-f-]{36}$/.test(id) || gid('Conversation', id) !== globalId) throw notFound();
  const { rows } = await query(
    `SELECT id, organization_id, kind, subject, closed, created_at, updated_at, labels, allow_guests, team_id FROM conversations WHERE id = $1`,
    [id],
  );
  const row = rows[0];
  if (!row || (auth === 'rules' && !canRead(viewer, row))) throw notFound();
  const member = viewer.kind === 'MEMBER';
  const canManageGuests = member && (viewer.role === 'OWNER' || viewer.role === 'ADMIN' || viewer.whoCanInvite === 'MEMBERS');
  return {
    _: { id, teamId: row.team_id as string | null, presence: null as Promise<Presence> | null },
    id: gid('Conversation', id),
    kind: row.kind,
    subject: row.subject,
    closed: row.closed,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
    labels: row.labels,
    allowGuests: row.allow_guests,
    viewerCanComment: member || liveAccess(viewer, id)?.level === 'COMMENT',
    viewerCanReply: member && row.kind === 'THREAD',
    viewerCanManage: member,
    viewerCanInviteGuests: canManageGuests && viewer.guestsEnabled && row.kind === 'THREAD' && row.allow_guests,
  };
}
type ConversationObject = Awaited<ReturnType<typeof conversation>>;

interface Presence {
  participants: unknown[];
  guests: unknown[];
  assignees: unknown[];
}

/** Participants (members who took part, then guests, by arrival), guests and assignees in one statement. */
function presence(viewer: Viewer, parent: ConversationObject): Promise<Presence> {
  parent._.presence ??= query(
    `SELECT 'PARTICIPANT' AS source, p.seq, a.id, a.kind, a.name, a.status
       FROM conversation_participants p JOIN actors a ON a.id = p.actor_id WHERE p.conversation_id = $1
     UNION ALL
     SELECT 'GUEST', g.seq, a.id, a.kind, a.name, a.status
       FROM guest_access g JOIN actors a ON a.id = g.guest_id WHERE g.conversation_id = $1 AND g.organization_id = $2
     UNION ALL
     SELECT 'ASSIGNEE', s.seq, a.id, a.kind, a.name, a.status
       FROM conversation_assignees s JOIN actors a ON a.id = s.actor_id WHERE s.conversation_id = $1
     ORDER BY seq`,
    [parent._.id, viewer.organizationId],
  ).then(({ rows }) => {
    const result: Presence = { participants: [], guests: [], assignees: [] };
    for (const row of rows) {
      const person = { ...actor(row), status: row.status };
      if (row.source === 'ASSIGNEE') result.assignees.push(person);
      else result.participants.push(person);
      if (row.source === 'GUEST') result.guests.push(person);
    }
    return result;
  });
  return parent._.presence;
}

function connection<T extends { seq: string }>(rows: T[], total: number, first: number, after: string | null, cursor: (seq: string) => string, node: (row: T) => unknown) {
  const page = rows.slice(0, first);
  const edges = page.map((row) => ({ cursor: cursor(row.seq), node: node(row) }));
  return {
    totalCount: total,
    pageInfo: {
      hasNextPage: rows.length > first,
      hasPreviousPage: after !== null,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
    edges,
    nodes: edges.map((edge) => edge.node),
  };
}

function firstArg(first: number | null | undefined): number {
  const size = first ?? 20;
  if (!Number.isInteger(size) || size < 0 || size > 100) throw error('BAD_USER_INPUT', 'first must be between 0 and 100.');
  return size;
}

const ATTACHMENTS_OF = (column: string, id: string) => `(SELECT coalesce(json_agg(json_build_object('id', f.id, 'filename', f.filename,
    'contentType', f.content_type, 'size', f.size) ORDER BY f.seq), '[]') FROM attachments f WHERE f.${column} = ${id})`;

const resolvers: Record<string, Record<string, GraphQLFieldResolver<any, Context, any>>> = {
  Query: {
    conversation: (_root, { id }: { id: string }, { viewer }) => conversation(viewer, id),
  },
  Conversation: {
    async team(parent: ConversationObject, _args, { viewer }) {
      if (!parent._.teamId) return null;
      const { rows } = await query(`SELECT id, name, is_default FROM teams WHERE id = $1 AND organization_id = $2`, [
        parent._.teamId,
        viewer.organizationId,
      ]);
      return rows[0] ? { id: gid('Team', rows[0].id), name: rows[0].name, isDefault: rows[0].is_default } : null;
    },
    assignees: async (parent: ConversationObject, _args, { viewer }) => (await presence(viewer, parent)).assignees,
    participants: async (parent: ConversationObject, _args, { viewer }) => (await presence(viewer, parent)).participants,
    guests: async (parent: ConversationObject, _args, { viewer }) => (await presence(viewer, parent)).guests,
    async tasks(parent: ConversationObject, _args, { viewer }) {
      const { rows } = await query(
        `SELECT t.id, t.title, t.done, t.due_at, t.created_at, a.id AS assignee_id, a.name AS assignee_name
           FROM tasks t LEFT JOIN actors a ON a.id = t.assignee_id
          WHERE t.conversation_id = $1 AND t.organization_id = $2 ORDER BY t.seq`,
        [parent._.id, viewer.organizationId],
      );
      return rows.map((row) => ({
        id: gid('Task', row.id),
        title: row.title,
        done: row.done,
        dueAt: iso(row.due_at),
        createdAt: iso(row.created_at),
        assignee: row.assignee_id ? { id: gid('User', row.assignee_id), name: row.assignee_name } : null,
      }));
    },
    async messages(parent: ConversationObject, args: { first?: number; after?: string }, { viewer }) {
      const first = firstArg(args.first);
      const cursors = cursorsOf('messages', parent._.id);
      const after = cursors.decode(args.after);
      const { rows } = await query(
        `SELECT t.total, p.* FROM (SELECT count(*)::int AS total FROM messages WHERE conversation_id = $1 AND organization_id = $2) t
         LEFT JOIN LATERAL (
           SELECT m.id, m.seq, m.channel, m.direction, m."from", m."to", m.cc, m.bcc, m.subject, m.body, m.sent_at,
                  a.id AS author_id, a.name AS author_name, ${ATTACHMENTS_OF('message_id', 'm.id')} AS attachments
             FROM messages m LEFT JOIN actors a ON a.id = m.author_id
            WHERE m.conversation_id = $1 AND ($3::bigint IS NULL OR m.seq > $3::bigint)
            ORDER BY m.seq LIMIT $4
         ) p ON true`,
        [parent._.id, viewer.organizationId, after, first + 1],
      );
      const total = rows[0]?.total ?? 0;
      return connection(
        rows.filter((row) => row.id),
        total,
        first,
        after,
        cursors.encode,
        (row) => ({
          id: gid('Message', row.id),
          channel: row.channel,
          direction: row.direction,
          from: row.from,
          to: row.to,
          cc: row.cc,
          bcc: row.bcc,
          subject: row.subject,
          body: row.body,
          sentAt: iso(row.sent_at),
          author: row.author_id ? { id: gid('User', row.author_id), name: row.author_name } : null,
          attachments: attachments(row.attachments),
        }),
      );
    },
    async comments(parent: ConversationObject, args: { first?: number; after?: string }, { viewer }) {
      const first = firstArg(args.first);
      const cursors = cursorsOf('comments', parent._.id);
      const after = cursors.decode(args.after);
      const { rows } = await query(
        `SELECT t.total, p.* FROM (SELECT count(*)::int AS total FROM comments WHERE conversation_id = $1 AND organization_id = $2) t
         LEFT JOIN LATERAL (
           SELECT c.id, c.seq, c.body, c.created_at, a.id AS author_id, a.kind AS author_kind, a.name AS author_name,
                  (SELECT coalesce(json_agg(json_build_object('id', ma.id, 'kind', ma.kind, 'name', ma.name) ORDER BY m.position), '[]')
                     FROM comment_mentions m JOIN actors ma ON ma.id = m.actor_id WHERE m.comment_id = c.id) AS mentions,
                  ${ATTACHMENTS_OF('comment_id', 'c.id')} AS attachments
             FROM comments c JOIN actors a ON a.id = c.author_id
            WHERE c.conversation_id = $1 AND ($3::bigint IS NULL OR c.seq > $3::bigint)
            ORDER BY c.seq LIMIT $4
         ) p ON true`,
        [parent._.id, viewer.organizationId, after, first + 1],
      );
      const total = rows[0]?.total ?? 0;
      return connection(
        rows.filter((row) => row.id),
        total,
        first,
        after,
        cursors.encode,
        (row) => ({
          id: gid('Comment', row.id),
          body: row.body,
          createdAt: iso(row.created_at),
          author: actor({ id: row.author_id, kind: row.author_kind, name: row.author_name }),
          mentions: row.mentions.map(actor),
          attachments: attachments(row.attachments),
        }),
      );
    },
  },
};

/** Sidedoor's `Gate.MEMBER` (src/auth/auth-checker.ts): a guest gets null and this error at the field's path. */
function membersOnly(viewer: Viewer): void {
  if (viewer.kind !== 'MEMBER') throw error('FORBIDDEN', 'Only organization members can see or do this.');
}

function buildBaselineSchema(): GraphQLSchema {
  const schema = buildSchema(readFileSync(join(__dirname, '..', '..', 'schema.graphql'), 'utf8'));
  for (const [typeName, fields] of Object.entries(resolvers)) {
    const type = schema.getType(typeName);
    if (!(type instanceof GraphQLObjectType)) throw new Error(`baseline: no object type ${typeName}`);
    for (const [fieldName, resolve] of Object.entries(fields)) {
      const field = type.getFields()[fieldName];
      if (!field) throw new Error(`baseline: no field ${typeName}.${fieldName}`);
      field.resolve = resolve;
    }
  }
  // Every field the published schema marks `@membersOnly` is gated, whichever resolver serves it.
  for (const type of Object.values(schema.getTypeMap())) {
    if (!(type instanceof GraphQLObjectType)) continue;
    for (const field of Object.values(type.getFields())) {
      if (!field.astNode?.directives?.some((directive) => directive.name.value === 'membersOnly')) continue;
      const resolve: GraphQLFieldResolver<unknown, Context> = field.resolve ?? defaultFieldResolver;
      field.resolve = (parent, args, context, info) => {
        membersOnly(context.viewer);
        return resolve(parent, args, context, info);
      };
    }
  }
  return schema;
}

const schema = buildBaselineSchema();
/** Parsed and validated once per distinct query string. */
const documents = new Map<string, { document?: DocumentNode; errors?: readonly GraphQLError[] }>();

function prepared(query: string) {
  let entry = documents.get(query);
  if (!entry) {
    try {
      const document = parse(query);
      const errors = validate(schema, document);
      entry = errors.length ? { errors } : { document };
    } catch (parseError) {
      entry = { errors: [parseError as GraphQLError] };
    }
    if (documents.size < 1000) documents.set(query, entry);
  }
  return entry;
}

/** The JSON ends with a newline, as Apollo Server's does: the same bytes as Sidedoor's. */
function send(res: ServerResponse, status: number, body: unknown): void {
  const json = `${JSON.stringify(body)}\n`;
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(json) });
  res.end(json);
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== 'POST' || req.url !== '/graphql') return send(res, 404, { errors: [{ message: 'Not found.' }] });
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > 1024 * 1024) return send(res, 413, { errors: [{ message: 'The request body is larger than 1 MB.' }] });
    chunks.push(chunk);
  }
  let body: { query?: unknown; variables?: Record<string, unknown>; operationName?: string };
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return send(res, 400, { errors: [{ message: 'The request body is not valid JSON.' }] });
  }
  if (typeof body?.query !== 'string') return send(res, 400, { errors: [{ message: 'query must be a string.' }] });
  const { document, errors } = prepared(body.query);
  if (!document) return send(res, 400, { errors });
  const viewer = await authenticate(req.headers.authorization);
  if (!viewer) {
    const message = 'You must be logged in: send a valid "Authorization: Bearer <token>" header.';
    return send(res, 200, { errors: [{ message, extensions: { code: 'UNAUTHENTICATED' } }], data: null });
  }
  const result = await execute({
    schema,
    document,
    contextValue: { viewer } satisfies Context,
    variableValues: body.variables,
    operationName: body.operationName,
  });
  send(res, 200, result);
}

const server = createServer((req, res) => {
  handle(req, res).catch((failure) => {
    console.error(failure);
    if (!res.headersSent) send(res, 500, { errors: [{ message: 'Something went wrong on our side.' }] });
  });
});
// `plain` serves once it knows the sessions.
void Promise.resolve(knownViewers).then(() =>
  server.listen(0, '127.0.0.1', () => {
    serveParent((server.address() as AddressInfo).port, {
      extra: () => ({ statements }),
      stop: async () => {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await pool.end();
      },
    });
  }),
);
