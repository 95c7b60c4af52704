/**
 * The benchmark's data: a fresh PostgreSQL database, migrated by Sidedoor's own
 * migrations, filled with bulk SQL inserts shaped exactly as the API writes
 * rows (participants in order of arrival, guest access, mentions, attachments
 * with their bytes, hashed session tokens), so thousands of rows take a
 * second instead of thousands of requests.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Client, type ClientBase } from 'pg';
import { PasswordHasher } from '../src/auth/password';
import { hashToken, newToken } from '../src/auth/tokens';
import { createDatabase, openDatabase } from '../src/db';
import { createLogger } from '../src/logger';

export interface Person {
  id: string;
  kind: 'MEMBER' | 'GUEST';
  name: string;
  email: string;
}

/** One organization's data, as the benchmarks need to address it. */
export interface OrgData {
  label: string;
  scale: number;
  organizationId: string;
  members: Person[];
  guests: Person[];
  /** A session of the owner: the viewer of the HTTP benchmarks. */
  ownerToken: string;
  /** The conversation with messages, comments, tasks, guests: the conversation page. */
  mainConversationId: string;
  /** The conversations of the inbox list, newest first. */
  listConversationIds: string[];
  rows: Record<string, number>;
}

export interface BenchDatabase {
  name: string;
  url: string;
}

const PASSWORD = 'correct horse battery';
/** Sessions live 30 days, like SessionService's. */
const SESSION_TTL = `interval '30 days'`;
const BATCH = 5000;

function databaseUrl(adminUrl: string, name: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A new empty database with Sidedoor's schema (its migrations, run as `npm run migrate` would). */
export async function createBenchDatabase(adminUrl: string): Promise<BenchDatabase> {
  const name = `sidedoor_bench_${randomBytes(4).toString('hex')}`;
  await withClient(adminUrl, (client) => client.query(`CREATE DATABASE ${name}`));
  const url = databaseUrl(adminUrl, name);
  const database = createDatabase({ databaseUrl: url, dataDir: '' }, createLogger({ logLevel: 'warn' }));
  await openDatabase(database);
  await database.dataSource.destroy();
  return { name, url };
}

export async function dropBenchDatabase(adminUrl: string, name: string): Promise<void> {
  await withClient(adminUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
}

/** INSERT ... SELECT FROM unnest(...): one statement per few thousand rows, in the given order. */
async function insert(client: ClientBase, table: string, columns: Record<string, string>, rows: unknown[][]): Promise<void> {
  const names = Object.keys(columns);
  const types = Object.values(columns);
  for (let start = 0; start < rows.length; start += BATCH) {
    const chunk = rows.slice(start, start + BATCH);
    const arrays = names.map((_, i) => chunk.map((row) => row[i]));
    // Arrays of arrays (text[] columns) cannot go through unnest: they travel as JSON.
    const params = arrays.map((values, i) => (types[i]!.endsWith('[]') ? values.map((value) => JSON.stringify(value)) : values));
    const selects = types.map((type, i) =>
      type.endsWith('[]') ? `ARRAY(SELECT jsonb_array_elements_text(c${i}::jsonb))::${type}` : `c${i}`,
    );
    const unnests = types.map((type, i) => `$${i + 1}::${type.endsWith('[]') ? 'text' : type}[]`);
    await client.query(
      `INSERT INTO ${table} (${names.map((name) => `"${name}"`).join(', ')})
       SELECT ${selects.join(', ')} FROM unnest(${unnests.join(', ')}) WITH ORDINALITY AS u(${names.map((_, i) => `c${i}`).join(', ')}, n)
       ORDER BY n`,
      params,
    );
  }
}

/** Deterministic pseudo-randomness, so two runs generate the same shapes. */
function rng(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const FIRST = ['Ada', 'Ben', 'Chloé', 'Dev', 'Elif', 'Farid', 'Grace', 'Hugo', 'Ines', 'Jonas', 'Kenji', 'Lea', 'Mateo', 'Nora', 'Omar'];
const LAST = ['Lovelace', 'Okafor', 'Martin', 'Patel', 'Yilmaz', 'Haddad', 'Hopper', 'Dubois', 'Silva', 'Berg', 'Sato', 'Weber'];
const WORDS =
  'quote invoice delivery schedule contract draft review signature budget estimate revision approval shipment supplier floor plan lease furniture cabling network desks meeting room'.split(
    ' ',
  );

function sentence(random: () => number, words: number): string {
  const picked = Array.from({ length: words }, () => WORDS[Math.floor(random() * WORDS.length)]!);
  const text = picked.join(' ');
  return `${text[0]!.toUpperCase()}${text.slice(1)}.`;
}

function paragraph(random: () => number, sentences: number): string {
  return Array.from({ length: sentences }, () => sentence(random, 8 + Math.floor(random() * 8))).join(' ');
}

/**
 * Generates one organization: 10×scale members (an owner, an admin, members)
 * in a default team, 5×scale guests, the main conversation with 50×scale
 * messages and 100×scale comments (authors, mentions, attachments), tasks and
 * assignees, and 25×scale inbox conversations with 10×scale comments each.
 */
export async function generateOrganization(url: string, sessionSecret: string, label: string, scale: number): Promise<OrgData> {
  const random = rng(scale * 7919 + label.length);
  const slug = `${label.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-${randomBytes(3).toString('hex')}`;
  const rows: Record<string, number> = {};
  const count = (table: string, n: number) => (rows[table] = (rows[table] ?? 0) + n);

  // A clock that only moves forward: every row is created a little after the previous one.
  let clock = Date.now() - 30 * 24 * 3600 * 1000;
  const tick = (ms = 60_000) => new Date((clock += Math.floor(ms * (0.5 + random())))).toISOString();

  return withClient(url, async (client) => {
    await client.query('BEGIN');
    const organizationId = randomUUID();
    await client.query(`INSERT INTO organizations (id, name, created_at) VALUES ($1, $2, $3)`, [organizationId, `${label} Ltd`, tick()]);
    count('organizations', 1);

    const personName = (i: number) => `${FIRST[i % FIRST.length]} ${LAST[Math.floor(i / FIRST.length) % LAST.length]}${i >= FIRST.length * LAST.length ? ` ${i}` : ''}`;
    // Salted for another email than the rows': a log-in still verifies them (and renews the hash, once).
    const hasher = new PasswordHasher({ passwordHashCost: 10, passwordHashConcurrency: 4, sessionSecret });
    const hashes = await Promise.all(Array.from({ length: 4 }, (_, i) => hasher.hash(PASSWORD, `bench-${i}@bench.test`)));
    /** Every actor row (its id first) gets one of the hashes: what signing up or accepting an invitation stores. */
    const insertCredentials = (actorRows: unknown[][]) =>
      insert(client, 'actor_credentials', { actor_id: 'uuid', password_hash: 'text' }, actorRows.map((row, i) => [row[0], hashes[i % hashes.length]]));

    // Members: the owner signed up, then invited everyone else (one used invitation each).
    const members: Person[] = Array.from({ length: 10 * scale }, (_, i) => ({
      id: randomUUID(),
      kind: 'MEMBER' as const,
      name: personName(i),
      email: `member${i}@${slug}.bench.test`,
    }));
    const owner = members[0]!;
    const teamId = randomUUID();
    const memberRows: unknown[][] = [];
    const invitationRows: unknown[][] = [];
    for (const [i, member] of members.entries()) {
      const at = tick(3600_000);
      const role = i === 0 ? 'OWNER' : i === 1 ? 'ADMIN' : 'MEMBER';
      memberRows.push([member.id, organizationId, 'MEMBER', role, 'ACTIVE', member.email, member.name, i === 0 ? null : owner.id, at]);
      if (i > 0) invitationRows.push([randomUUID(), organizationId, 'MEMBER', member.email, role, null, owner.id, randomBytes(32).toString('base64url'), at, at, at]);
    }
    const actorColumns = {
      id: 'uuid',
      organization_id: 'uuid',
      kind: 'text',
      role: 'text',
      status: 'text',
      email: 'text',
      name: 'text',
      invited_by_id: 'uuid',
      created_at: 'timestamptz',
    };
    await insert(client, 'actors', actorColumns, memberRows);
    await insertCredentials(memberRows);
    count('actors', memberRows.length);
    // The owner created the default team right after signing up; every member joined it on arrival.
    await client.query(`INSERT INTO teams (id, organization_id, name, is_default, created_at) VALUES ($1, $2, 'Support', true, $3)`, [
      teamId,
      organizationId,
      tick(),
    ]);
    await insert(client, 'team_members', { team_id: 'uuid', actor_id: 'uuid' }, members.map((member) => [teamId, member.id]));
    count('teams', 1);
    count('team_members', members.length);

    // Participants and guest access share one arrival sequence: collect them in order, number them at the end.
    const arrivals: Array<{ table: 'conversation_participants' | 'guest_access'; conversationId: string; actorId: string; grantedById?: string; at?: string }> = [];
    const present = new Map<string, Set<string>>();
    const arrive = (conversationId: string, actor: Person, grantedBy?: Person, at?: string) => {
      const seen = present.get(conversationId) ?? new Set<string>();
      present.set(conversationId, seen);
      if (seen.has(actor.id)) return;
      seen.add(actor.id);
      arrivals.push({
        table: actor.kind === 'GUEST' ? 'guest_access' : 'conversation_participants',
        conversationId,
        actorId: actor.id,
        grantedById: grantedBy?.id,
        at,
      });
    };

    const conversationRows: unknown[][] = [];
    const messageRows: unknown[][] = [];
    const commentRows: unknown[][] = [];
    const mentionRows: unknown[][] = [];
    const attachmentRows: unknown[][] = [];
    const chunkRows: unknown[][] = [];
    const taskRows: unknown[][] = [];
    const assigneeRows: unknown[][] = [];

    const attach = (uploader: Person, conversationId: string, target: { messageId?: string; commentId?: string }, at: string) => {
      const id = randomUUID();
      const kinds = [
        ['quote.pdf', 'application/pdf'],
        ['floor-plan.png', 'image/png'],
        ['contract.docx', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'],
        ['notes.txt', 'text/plain'],
      ] as const;
      const [filename, contentType] = kinds[Math.floor(random() * kinds.length)]!;
      const bytes = randomBytes(1024 + Math.floor(random() * 3072));
      attachmentRows.push([
        id,
        organizationId,
        uploader.id,
        filename,
        contentType,
        bytes.length,
        createHash('sha256').update(bytes).digest('hex'),
        conversationId,
        target.messageId ?? null,
        target.commentId ?? null,
        at,
      ]);
      chunkRows.push([id, 0, bytes]);
    };

    const conversation = (creator: Person, subject: string, extra: { teamId?: string; labels?: string[] } = {}) => {
      const id = randomUUID();
      const at = tick();
      conversationRows.push([id, organizationId, 'THREAD', subject, false, extra.teamId ?? null, extra.labels ?? [], true, creator.id, at, at]);
      arrive(id, creator);
      return id;
    };

    /** A comment as postComment writes it: author (and mentioned members) become participants. */
    const comment = (conversationId: string, author: Person, mentionable: Person[], withAttachment: boolean) => {
      const id = randomUUID();
      const at = tick();
      const mentioned: Person[] = [];
      if (mentionable.length > 0 && random() < 0.35) {
        const wanted = 1 + Math.floor(random() * 2);
        for (let k = 0; k < wanted; k++) {
          const candidate = mentionable[Math.floor(random() * mentionable.length)]!;
          if (candidate.id !== author.id && !mentioned.includes(candidate)) mentioned.push(candidate);
        }
      }
      const body = `${mentioned.map((person) => `@${person.name.split(' ')[0]} `).join('')}${paragraph(random, 1 + Math.floor(random() * 3))}`;
      commentRows.push([id, organizationId, conversationId, author.id, body, at]);
      mentioned.forEach((person, position) => mentionRows.push([id, person.id, position + 1]));
      if (withAttachment) attach(author, conversationId, { commentId: id }, at);
      if (author.kind === 'MEMBER') arrive(conversationId, author);
      for (const person of mentioned) if (person.kind === 'MEMBER') arrive(conversationId, person);
      return at;
    };

    // The main conversation: created by the owner, on the default team, two assignees.
    const mainConversationId = conversation(owner, 'Quote for the new office', { teamId, labels: ['quote', 'priority'] });
    const assignees = members.slice(1, 3);
    for (const assignee of assignees) {
      assigneeRows.push([mainConversationId, assignee.id]);
      arrive(mainConversationId, assignee);
    }

    // Guests invited into it by members (an accepted invitation each).
    const guests: Person[] = Array.from({ length: 5 * scale }, (_, i) => ({
      id: randomUUID(),
      kind: 'GUEST' as const,
      name: `${personName(i + 7)} (agency)`,
      email: `guest${i}@agency-${slug}.bench.test`,
    }));
    const guestRows: unknown[][] = [];
    for (const [i, guest] of guests.entries()) {
      const inviter = members[i % Math.min(3, members.length)]!;
      const at = tick(600_000);
      guestRows.push([guest.id, organizationId, 'GUEST', null, 'ACTIVE', guest.email, guest.name, inviter.id, at]);
      invitationRows.push([randomUUID(), organizationId, 'GUEST', guest.email, null, guest.id, inviter.id, randomBytes(32).toString('base64url'), at, at, at]);
      arrive(mainConversationId, guest, inviter, at);
    }
    await insert(client, 'actors', actorColumns, guestRows);
    await insertCredentials(guestRows);
    count('actors', guestRows.length);

    // Tasks on the main conversation.
    for (let i = 0; i < 3 * scale; i++) {
      const at = tick();
      const due = i % 2 === 0 ? new Date(Date.parse(at) + 3 * 24 * 3600 * 1000).toISOString() : null;
      const assignee = members[(i % (members.length - 1)) + 1]!;
      taskRows.push([randomUUID(), organizationId, mainConversationId, sentence(random, 4), i % 3 === 0, assignee.id, due, at]);
      // createTask makes its assignee take part in the conversation.
      arrive(mainConversationId, assignee);
    }

    // Messages and comments interleave as they would in a living conversation.
    const messageCount = 50 * scale;
    const commentCount = 100 * scale;
    const client_ = `client@customer-${slug}.bench.test`;
    const inbox = `support@${slug}.bench.test`;
    let lastAt = '';
    for (let m = 0, c = 0; m < messageCount || c < commentCount; ) {
      if (m < messageCount && (c >= commentCount || m * commentCount <= c * messageCount)) {
        const id = randomUUID();
        const at = tick();
        const inbound = m % 2 === 0;
        const author = inbound ? null : members[(m / 2) % members.length | 0]!;
        messageRows.push([
          id,
          organizationId,
          mainConversationId,
          'EMAIL',
          inbound ? 'INBOUND' : 'OUTBOUND',
          inbound ? client_ : inbox,
          inbound ? [inbox] : [client_],
          inbound ? [] : [`accounting@customer-${slug}.bench.test`],
          inbound ? [] : [`archive@${slug}.bench.test`],
          inbound ? 'Quote for the new office' : 'Re: Quote for the new office',
          paragraph(random, 3 + Math.floor(random() * 4)),
          author?.id ?? null,
          at,
        ]);
        if (m % 10 === 9) attach(author ?? owner, mainConversationId, { messageId: id }, at);
        // A member who replies takes part; inbound messages come from an integration.
        if (author) arrive(mainConversationId, author);
        m++;
        lastAt = at;
      } else {
        // One comment in four is a guest's; guests mention only people present, members anyone.
        const guestTurn = c % 4 === 3 && guests.length > 0;
        const author = guestTurn ? guests[(c / 4) % guests.length | 0]! : members[c % members.length]!;
        const presentIds = present.get(mainConversationId)!;
        const mentionable = guestTurn ? [...members, ...guests].filter((person) => presentIds.has(person.id)) : [...members, ...guests];
        lastAt = comment(mainConversationId, author, mentionable, c % 5 === 4);
        c++;
      }
    }
    const updates: Array<[string, string]> = [[mainConversationId, lastAt]];

    // The inbox: conversations with a few comments each, the newest listed first.
    const listConversationIds: string[] = [];
    for (let i = 0; i < 25 * scale; i++) {
      const creator = members[i % members.length]!;
      const id = conversation(creator, sentence(random, 5));
      listConversationIds.unshift(id);
      let at = '';
      for (let k = 0; k < 10 * scale; k++) at = comment(id, members[(i + k) % members.length]!, members, false);
      updates.push([id, at]);
    }

    await insert(
      client,
      'conversations',
      {
        id: 'uuid',
        organization_id: 'uuid',
        kind: 'text',
        subject: 'text',
        closed: 'boolean',
        team_id: 'uuid',
        labels: 'text[]',
        allow_guests: 'boolean',
        created_by_id: 'uuid',
        created_at: 'timestamptz',
        updated_at: 'timestamptz',
      },
      conversationRows,
    );
    count('conversations', conversationRows.length);
    // Every comment touches its conversation's updated_at, as postComment does.
    await client.query(`UPDATE conversations c SET updated_at = u.at FROM unnest($1::uuid[], $2::timestamptz[]) AS u(id, at) WHERE c.id = u.id`, [
      updates.map(([id]) => id),
      updates.map(([, at]) => at),
    ]);
    await insert(client, 'conversation_assignees', { conversation_id: 'uuid', actor_id: 'uuid' }, assigneeRows);
    count('conversation_assignees', assigneeRows.length);

    const { rows: seqs } = await client.query<{ seq: string }>(`SELECT nextval('arrival_seq')::text AS seq FROM generate_series(1, $1::int)`, [
      arrivals.length,
    ]);
    const participantRows: unknown[][] = [];
    const accessRows: unknown[][] = [];
    arrivals.forEach((arrival, i) => {
      if (arrival.table === 'conversation_participants') participantRows.push([arrival.conversationId, arrival.actorId, seqs[i]!.seq]);
      else accessRows.push([arrival.conversationId, arrival.actorId, organizationId, arrival.grantedById, arrival.at, seqs[i]!.seq]);
    });
    await insert(client, 'conversation_participants', { conversation_id: 'uuid', actor_id: 'uuid', seq: 'int8' }, participantRows);
    await insert(
      client,
      'guest_access',
      { conversation_id: 'uuid', guest_id: 'uuid', organization_id: 'uuid', granted_by_id: 'uuid', granted_at: 'timestamptz', seq: 'int8' },
      accessRows,
    );
    count('conversation_participants', participantRows.length);
    count('guest_access', accessRows.length);

    await insert(
      client,
      'invitations',
      {
        id: 'uuid',
        organization_id: 'uuid',
        kind: 'text',
        email: 'text',
        role: 'text',
        guest_id: 'uuid',
        invited_by_id: 'uuid',
        token_hash: 'text',
        expires_at: 'timestamptz',
        used_at: 'timestamptz',
        created_at: 'timestamptz',
      },
      invitationRows,
    );
    count('invitations', invitationRows.length);

    await insert(
      client,
      'tasks',
      {
        id: 'uuid',
        organization_id: 'uuid',
        conversation_id: 'uuid',
        title: 'text',
        done: 'boolean',
        assignee_id: 'uuid',
        due_at: 'timestamptz',
        created_at: 'timestamptz',
      },
      taskRows,
    );
    count('tasks', taskRows.length);

    await insert(
      client,
      'messages',
      {
        id: 'uuid',
        organization_id: 'uuid',
        conversation_id: 'uuid',
        channel: 'text',
        direction: 'text',
        from: 'text',
        to: 'text[]',
        cc: 'text[]',
        bcc: 'text[]',
        subject: 'text',
        body: 'text',
        author_id: 'uuid',
        sent_at: 'timestamptz',
      },
      messageRows,
    );
    count('messages', messageRows.length);

    await insert(
      client,
      'comments',
      { id: 'uuid', organization_id: 'uuid', conversation_id: 'uuid', author_id: 'uuid', body: 'text', created_at: 'timestamptz' },
      commentRows,
    );
    count('comments', commentRows.length);
    await insert(client, 'comment_mentions', { comment_id: 'uuid', actor_id: 'uuid', position: 'int4' }, mentionRows);
    count('comment_mentions', mentionRows.length);

    await insert(
      client,
      'attachments',
      {
        id: 'uuid',
        organization_id: 'uuid',
        uploader_id: 'uuid',
        filename: 'text',
        content_type: 'text',
        size: 'int8',
        sha256: 'text',
        conversation_id: 'uuid',
        message_id: 'uuid',
        comment_id: 'uuid',
        created_at: 'timestamptz',
      },
      attachmentRows,
    );
    await insert(client, 'attachment_chunks', { attachment_id: 'uuid', n: 'int4', data: 'bytea' }, chunkRows);
    count('attachments', attachmentRows.length);

    const [ownerToken] = await insertSessions(client, sessionSecret, [owner.id]);
    await client.query('COMMIT');
    await client.query('ANALYZE');
    return { label, scale, organizationId, members, guests, ownerToken: ownerToken!, mainConversationId, listConversationIds, rows };
  });
}

async function insertSessions(client: ClientBase, sessionSecret: string, actorIds: readonly string[]): Promise<string[]> {
  const tokens = actorIds.map(() => newToken('sd'));
  await client.query(
    `INSERT INTO sessions (actor_id, token_hash, expires_at)
     SELECT actor_id, token_hash, now() + ${SESSION_TTL} FROM unnest($1::uuid[], $2::text[]) AS u(actor_id, token_hash)`,
    [actorIds, tokens.map((token) => hashToken(sessionSecret, token))],
  );
  return tokens;
}

/**
 * Bearer tokens for `count` sessions spread over these people in turn (as if
 * each had several tabs and devices), as logIn would create them.
 */
export async function createSessions(url: string, sessionSecret: string, people: readonly Person[], count: number): Promise<string[]> {
  const actorIds = Array.from({ length: count }, (_, i) => people[i % people.length]!.id);
  return withClient(url, (client) => insertSessions(client, sessionSecret, actorIds));
}
