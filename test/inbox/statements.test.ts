import { conversationId, ok } from '../support/api';
import { buildGuest, buildMember, buildOrganization, type Session } from '../support/factories';
import { startServer, type GraphQLResponse, type TestServer } from '../support/server';

/**
 * How many SQL statements one request costs must not depend on how much data
 * there is: every list is fetched by a DataLoader in one statement per tick.
 * The data is written in bulk with SQL (the factories would take minutes for
 * the larger sets) but looks like real use: several authors, mentions of
 * members and guests, attachments, tasks with assignees.
 */
const MAX_STATEMENTS = 4;

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server?.stop());

const sql = (query: string, params: unknown[] = []) => server.app.database.dataSource.query(query, params);

interface Organization {
  owner: Session;
  memberIds: string[];
  guestIds: string[];
}

/** An owner, three more members (one an admin) and a team. */
async function buildPeople(name: string): Promise<Organization & { teamId: string }> {
  const owner = await buildOrganization(server, { organizationName: name });
  const members = [owner];
  for (const [i, role] of (['MEMBER', 'ADMIN', 'MEMBER'] as const).entries()) {
    members.push(await buildMember(server, { inviter: owner, role, name: `${name} member ${i + 1}` }));
  }
  const team = await server.app.services.teams.create(owner.viewer, { name: `${name} support`, isDefault: false });
  return { owner, memberIds: members.map((member) => member.actor.id), guestIds: [], teamId: team.id };
}

/**
 * One conversation as a busy thread looks: messages in and out (replies
 * authored by members), comments by every member mentioning members and
 * guests, attachments on every tenth message and comment, tasks assigned
 * round-robin, two assignees, two guests with access.
 */
async function buildBusyConversation(people: Organization & { teamId: string }, size: { messages: number; comments: number; tasks: number }) {
  const org = people.owner.viewer.organizationId;
  const members = people.memberIds;
  const [{ id }] = await sql(
    `INSERT INTO conversations (organization_id, kind, subject, team_id, labels, created_by_id) VALUES ($1, 'THREAD', 'Office move', $2, '{urgent,vip}', $3) RETURNING id`,
    [org, people.teamId, members[0]],
  );
  const guests = [await buildGuest(server, { inviter: people.owner, conversationIds: [id], name: 'Gus' }), await buildGuest(server, { inviter: people.owner, conversationIds: [id], name: 'Gina' })];
  people.guestIds = guests.map((guest) => guest.actor.id);
  await sql(`INSERT INTO conversation_participants (conversation_id, actor_id) SELECT $1, unnest($2::uuid[])`, [id, members]);
  await sql(`INSERT INTO conversation_assignees (conversation_id, actor_id) SELECT $1, unnest($2::uuid[])`, [id, members.slice(1, 3)]);
  await sql(
    `INSERT INTO messages (organization_id, conversation_id, channel, direction, "from", "to", cc, subject, body, author_id, sent_at)
     SELECT $1, $2, 'EMAIL',
            CASE WHEN i % 3 = 0 THEN 'OUTBOUND' ELSE 'INBOUND' END,
            CASE WHEN i % 3 = 0 THEN 'support@acme.test' ELSE 'client' || (i % 4) || '@customer.test' END,
            CASE WHEN i % 3 = 0 THEN ARRAY['client@customer.test'] ELSE ARRAY['support@acme.test'] END,
            CASE WHEN i % 5 = 0 THEN ARRAY['boss@customer.test'] ELSE '{}' END,
            CASE WHEN i % 3 = 0 THEN 'Re: Office move' ELSE 'Office move' END,
            'Message number ' || i || repeat(' with some text', 10),
            CASE WHEN i % 3 = 0 THEN ($3::uuid[])[1 + i % array_length($3::uuid[], 1)] END,
            now() - make_interval(mins => $4 - i)
       FROM generate_series(1, $4) AS i ORDER BY i`,
    [org, id, members, size.messages],
  );
  await sql(
    `INSERT INTO comments (organization_id, conversation_id, author_id, body, created_at)
     SELECT $1, $2,
            CASE WHEN i % 17 = 0 THEN ($5::uuid[])[1 + i % 2] ELSE ($3::uuid[])[1 + i % array_length($3::uuid[], 1)] END,
            'Comment number ' || i || ': **markdown** and a [link](https://example.test)',
            now() - make_interval(secs => $4 - i)
       FROM generate_series(1, $4) AS i ORDER BY i`,
    [org, id, members, size.comments, people.guestIds],
  );
  // Every third comment mentions a member; every fifth also mentions a guest present.
  await sql(
    `INSERT INTO comment_mentions (comment_id, actor_id, position)
     SELECT c.id, ($2::uuid[])[1 + (c.n + 1) % array_length($2::uuid[], 1)], 1
       FROM (SELECT id, row_number() OVER (ORDER BY seq) AS n FROM comments WHERE conversation_id = $1) c WHERE c.n % 3 = 0
     UNION ALL
     SELECT c.id, ($3::uuid[])[1 + c.n % 2], 2
       FROM (SELECT id, row_number() OVER (ORDER BY seq) AS n FROM comments WHERE conversation_id = $1) c WHERE c.n % 5 = 0`,
    [id, members, people.guestIds],
  );
  await sql(
    `INSERT INTO attachments (organization_id, uploader_id, filename, content_type, size, sha256, conversation_id, message_id, comment_id)
     SELECT $1::uuid, coalesce(m.author_id, $3::uuid), 'scan-' || m.n || '.pdf', 'application/pdf', 1000 + m.n, md5(m.id::text), $2::uuid, m.id, NULL::uuid
       FROM (SELECT id, author_id, row_number() OVER (ORDER BY seq) AS n FROM messages WHERE conversation_id = $2) m WHERE m.n % 10 = 0
     UNION ALL
     SELECT $1::uuid, c.author_id, 'photo-' || c.n || '.png', 'image/png', 2000 + c.n, md5(c.id::text), $2::uuid, NULL, c.id
       FROM (SELECT id, author_id, row_number() OVER (ORDER BY seq) AS n FROM comments WHERE conversation_id = $2) c WHERE c.n % 10 = 0`,
    [org, id, members[0]],
  );
  await sql(
    `INSERT INTO tasks (organization_id, conversation_id, title, done, assignee_id, due_at)
     SELECT $1, $2, 'Task number ' || i, i % 4 = 0,
            CASE WHEN i % 5 = 0 THEN NULL ELSE ($3::uuid[])[1 + i % array_length($3::uuid[], 1)] END,
            CASE WHEN i % 2 = 0 THEN now() + make_interval(days => i) END
       FROM generate_series(1, $4) AS i ORDER BY i`,
    [org, id, members, size.tasks],
  );
  return id as string;
}

/** Many conversations, each with comments by several members, some with mentions. */
async function buildInbox(people: Organization, size: { conversations: number; comments: number }) {
  const org = people.owner.viewer.organizationId;
  const members = people.memberIds;
  await sql(
    `INSERT INTO conversations (organization_id, kind, subject, created_by_id, created_at)
     SELECT $1, 'THREAD', 'Conversation number ' || i, ($2::uuid[])[1 + i % array_length($2::uuid[], 1)], now() - make_interval(hours => $3 - i)
       FROM generate_series(1, $3) AS i ORDER BY i`,
    [org, members, size.conversations],
  );
  await sql(
    `INSERT INTO conversation_participants (conversation_id, actor_id)
     SELECT c.id, m.id FROM conversations c CROSS JOIN unnest($2::uuid[]) AS m(id) WHERE c.organization_id = $1 ORDER BY c.seq`,
    [org, members],
  );
  await sql(
    `INSERT INTO comments (organization_id, conversation_id, author_id, body)
     SELECT $1, c.id, ($2::uuid[])[1 + i % array_length($2::uuid[], 1)], 'Comment ' || i || ' on ' || c.subject
       FROM conversations c CROSS JOIN generate_series(1, $3) AS i
      WHERE c.organization_id = $1 ORDER BY c.seq, i`,
    [org, members, size.comments],
  );
  await sql(
    `INSERT INTO comment_mentions (comment_id, actor_id, position)
     SELECT c.id, ($2::uuid[])[1 + (c.n + 1) % array_length($2::uuid[], 1)], 1
       FROM (SELECT id, row_number() OVER (ORDER BY seq) AS n FROM comments WHERE organization_id = $1) c WHERE c.n % 4 = 0`,
    [org, members],
  );
}

const CONVERSATION_PAGE = `query ConversationPage($id: ID!) {
  conversation(id: $id) {
    id kind subject closed createdAt updatedAt labels allowGuests
    viewerCanComment viewerCanReply viewerCanManage viewerCanInviteGuests
    team { id name isDefault }
    assignees { id name email }
    participants { __typename id name isGuest }
    guests { id name status }
    tasks { id title done dueAt createdAt assignee { id name } }
    messages(first: 50) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { cursor node { id channel direction from to cc bcc subject body sentAt author { id name } attachments { filename contentType size } } }
    }
    comments(first: 100) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes {
        id body createdAt
        author { __typename id name isGuest }
        mentions { __typename id name isGuest }
        attachments { filename contentType size }
      }
    }
  }
}`;

const CONVERSATION_LIST = `query ConversationList {
  conversations(first: 25) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes {
      id subject closed updatedAt
      comments(first: 10) { totalCount nodes { body author { name } } }
    }
  }
}`;

/** The statements one HTTP request costs, counted around that request alone. */
async function statementsOf(query: string, variables: Record<string, unknown>, token: string): Promise<{ count: number; response: GraphQLResponse }> {
  const before = server.app.database.statements.count;
  const response = await server.gql(query, variables, token);
  return { count: server.app.database.statements.count - before, response };
}

describe('SQL statements per request', () => {
  it(`costs at most ${MAX_STATEMENTS} statements for a conversation page, whatever its size`, async () => {
    const counts: number[] = [];
    for (const [label, size] of [
      ['small', { messages: 50, comments: 100, tasks: 10 }],
      ['ten times larger', { messages: 500, comments: 1000, tasks: 100 }],
    ] as const) {
      const people = await buildPeople(`Page ${label}`);
      const id = conversationId(await buildBusyConversation(people, size));
      const { count, response } = await statementsOf(CONVERSATION_PAGE, { id }, people.owner.token);
      const conversation = ok(response).conversation;
      expect(conversation.messages.edges).toHaveLength(50);
      expect(conversation.messages.totalCount).toBe(size.messages);
      expect(conversation.comments.nodes).toHaveLength(100);
      expect(conversation.comments.totalCount).toBe(size.comments);
      expect(conversation.tasks).toHaveLength(size.tasks);
      expect(conversation.participants).toHaveLength(6);
      expect(conversation.guests).toHaveLength(2);
      expect(conversation.assignees).toHaveLength(2);
      expect(conversation.team.name).toBe(`Page ${label} support`);
      // The data is as described: replies have authors, comments have mentions and attachments.
      expect(conversation.messages.edges.filter((edge: any) => edge.node.author).length).toBeGreaterThan(10);
      expect(conversation.messages.edges.filter((edge: any) => edge.node.attachments.length).length).toBe(5);
      expect(new Set(conversation.comments.nodes.map((comment: any) => comment.author.name)).size).toBe(6);
      expect(conversation.comments.nodes.filter((comment: any) => comment.mentions.length === 2).length).toBeGreaterThan(0);
      expect(conversation.comments.nodes.filter((comment: any) => comment.attachments.length).length).toBe(10);
      expect(conversation.tasks.filter((task: any) => task.assignee).length).toBe(size.tasks * 0.8);
      expect(count).toBeLessThanOrEqual(MAX_STATEMENTS);
      counts.push(count);
    }
    expect(counts[1]).toBe(counts[0]);
  });

  it(`costs at most ${MAX_STATEMENTS} statements for a list of 25 conversations with their comments, whatever the sizes`, async () => {
    const counts: number[] = [];
    for (const [label, size] of [
      ['small', { conversations: 25, comments: 10 }],
      ['ten times larger', { conversations: 250, comments: 100 }],
    ] as const) {
      const people = await buildPeople(`List ${label}`);
      await buildInbox(people, size);
      const { count, response } = await statementsOf(CONVERSATION_LIST, {}, people.owner.token);
      const conversations = ok(response).conversations;
      expect(conversations.totalCount).toBe(size.conversations);
      expect(conversations.nodes).toHaveLength(25);
      expect(conversations.nodes[0].subject).toBe(`Conversation number ${size.conversations}`);
      for (const node of conversations.nodes) {
        expect(node.comments.totalCount).toBe(size.comments);
        expect(node.comments.nodes).toHaveLength(10);
        expect(new Set(node.comments.nodes.map((comment: any) => comment.author.name)).size).toBe(4);
      }
      expect(count).toBeLessThanOrEqual(MAX_STATEMENTS);
      counts.push(count);
    }
    expect(counts[1]).toBe(counts[0]);
  });
  it('costs the same statements for a backward page (last/before) as for a forward one, whatever the size', async () => {
    const backwards = CONVERSATION_PAGE.replace('messages(first: 50)', 'messages(last: 50, before: $before)')
      .replace('comments(first: 100)', 'comments(last: 100)')
      .replace('query ConversationPage($id: ID!)', 'query ConversationPage($id: ID!, $before: String)')
      .replaceAll('pageInfo { hasNextPage endCursor }', 'pageInfo { hasPreviousPage startCursor }');
    const counts: number[] = [];
    for (const [label, size] of [
      ['small', { messages: 60, comments: 100, tasks: 10 }],
      ['ten times larger', { messages: 600, comments: 1000, tasks: 100 }],
    ] as const) {
      const people = await buildPeople(`Backwards ${label}`);
      const id = conversationId(await buildBusyConversation(people, size));
      const forward = await statementsOf(CONVERSATION_PAGE, { id }, people.owner.token);
      const newest = ok(await server.gql(`query ($id: ID!) { conversation(id: $id) { messages(last: 1) { pageInfo { startCursor } } } }`, { id }, people.owner.token));
      const { count, response } = await statementsOf(backwards, { id, before: newest.conversation.messages.pageInfo.startCursor }, people.owner.token);
      const conversation = ok(response).conversation;
      expect(conversation.messages.edges).toHaveLength(50);
      expect(conversation.messages.edges.at(-1).node.body).toMatch(new RegExp(`^Message number ${size.messages - 1} `));
      expect(conversation.messages.pageInfo.hasPreviousPage).toBe(true);
      expect(conversation.comments.nodes).toHaveLength(100);
      expect(conversation.comments.nodes.at(-1).body).toMatch(new RegExp(`^Comment number ${size.comments}:`));
      expect(conversation.comments.pageInfo.hasPreviousPage).toBe(size.comments > 100);
      expect(count).toBe(forward.count);
      counts.push(count);
    }
    expect(counts[1]).toBe(counts[0]);
  });
});
