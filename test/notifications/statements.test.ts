import { actorGlobalId, conversationId, countRows } from '../support/api';
import { buildConversation, buildGuest, buildMember, buildOrganization } from '../support/factories';
import { startServer, type TestServer } from '../support/server';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server?.stop());

const POST = `mutation ($input: PostCommentInput!) { postComment(input: $input) { id mentions { name } } }`;

/** What a mention costs besides the comment itself: three statements for all the notifications and their email jobs, whatever their number. */
const MAX_STATEMENTS = 14;

describe('SQL statements of a comment that notifies', () => {
  it(`costs the same statements, at most ${MAX_STATEMENTS}, whether it mentions one person or twenty`, async () => {
    const owner = await buildOrganization(server);
    const thread = await buildConversation(server, { creator: owner });
    const members = [];
    for (let i = 0; i < 18; i += 1) members.push(await buildMember(server, { inviter: owner, name: `Member ${i}` }));
    const guests = [await buildGuest(server, { inviter: owner, conversationIds: [thread.id] }), await buildGuest(server, { inviter: owner, conversationIds: [thread.id] })];
    const mentioned = [...members, ...guests].map((session) => session.actor);

    const counts: number[] = [];
    for (const who of [mentioned.slice(0, 1), mentioned]) {
      const before = server.app.database.statements.count;
      const response = await server.gql(POST, { input: { conversationId: conversationId(thread.id), body: 'Read this', mentionIds: who.map(actorGlobalId) } }, owner.token);
      counts.push(server.app.database.statements.count - before);
      expect(response.errors).toBeUndefined();
      expect(response.data.postComment.mentions).toHaveLength(who.length);
    }
    expect(counts[1]).toBe(counts[0]);
    expect(counts[1]).toBeLessThanOrEqual(MAX_STATEMENTS);
    // Everyone was notified, and every notification has its email job.
    const ids = mentioned.map((actor) => actor.id);
    expect(await countRows(server, 'notifications', `recipient_id = ANY($1) AND reason = 'MENTIONED'`, [ids])).toBe(21);
    expect(
      await countRows(server, 'pgboss.job j JOIN notifications n ON n.id::text = j.data->>\'notificationId\'', `j.name = 'notification-email' AND n.recipient_id = ANY($1)`, [ids]),
    ).toBe(21);
  });
});
