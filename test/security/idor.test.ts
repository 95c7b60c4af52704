import { toGlobalId } from '../../src/ids';
import { actorGlobalId, uploadFile } from '../support/api';
import { buildConversation, buildGuestScene, buildOrganization, type GuestScene, type Session } from '../support/factories';
import { codes, startServer, type TestServer } from '../support/server';
import { connect } from '../support/websocket';

/**
 * Every field that takes an ID, called by a member of another organization
 * with this organization's IDs: each answers like an ID that does not exist,
 * and nothing of this organization changes.
 */
let server: TestServer;
let scene: GuestScene;
let outsider: Session;
let outsiderConversation: string;
let outsiderTeam: string;

beforeAll(async () => {
  server = await startServer();
  scene = await buildGuestScene(server);
  outsider = await buildOrganization(server, { organizationName: 'Intruder Inc' });
  outsiderConversation = toGlobalId('Conversation', (await buildConversation(server, { creator: outsider })).id);
  outsiderTeam = toGlobalId('Team', (await server.app.services.teams.create(outsider.viewer, { name: 'Ours', isDefault: false })).id);
});
afterAll(() => server?.stop());

const gid = (type: Parameters<typeof toGlobalId>[0], id: string) => toGlobalId(type, id);

/** What an intruder could change, read straight from the database. */
async function fingerprint(): Promise<unknown> {
  const [row] = await server.app.database.dataSource.query(
    `SELECT (SELECT count(*) FROM comments WHERE organization_id = $1)::int AS comments,
            (SELECT count(*) FROM messages WHERE organization_id = $1)::int AS messages,
            (SELECT count(*) FROM tasks WHERE organization_id = $1)::int AS tasks,
            (SELECT json_agg(json_build_object('t', title, 'd', done, 'a', assignee_id) ORDER BY seq) FROM tasks WHERE organization_id = $1) AS task_rows,
            (SELECT count(*) FROM guest_access WHERE organization_id = $1)::int AS access,
            (SELECT json_agg(status ORDER BY seq) FROM actors WHERE organization_id = $1) AS statuses,
            (SELECT count(*) FROM team_members tm JOIN teams t ON t.id = tm.team_id WHERE t.organization_id = $1)::int AS team_members,
            (SELECT json_agg(json_build_object('s', subject, 'c', closed, 'g', allow_guests, 'l', labels, 't', team_id) ORDER BY seq)
               FROM conversations WHERE organization_id = $1) AS conversations`,
    [scene.owner.viewer.organizationId],
  );
  return row;
}

const mutations = (): Array<[string, string, Record<string, unknown>, string]> => {
  const thread = gid('Conversation', scene.thread.id);
  const guest = actorGlobalId(scene.guest.actor);
  const member = actorGlobalId(scene.member.actor);
  return [
    ['createConversation.teamId', `mutation ($t: ID) { createConversation(input: { subject: "x", teamId: $t }) { id } }`, { t: gid('Team', scene.team.id) }, 'NOT_FOUND'],
    ['createMessage.conversationId', `mutation ($c: ID) { createMessage(input: { conversationId: $c, channel: EMAIL, from: "a@b.test", to: ["c@d.test"], body: "x" }) { id } }`, { c: thread }, 'NOT_FOUND'],
    ['replyToConversation.conversationId', `mutation ($c: ID!) { replyToConversation(input: { conversationId: $c, body: "x" }) { id } }`, { c: thread }, 'NOT_FOUND'],
    ['updateConversation.id', `mutation ($c: ID!) { updateConversation(input: { id: $c, closed: true, allowGuests: false }) { id } }`, { c: thread }, 'NOT_FOUND'],
    ['updateConversation.teamId', `mutation ($c: ID!, $t: ID) { updateConversation(input: { id: $c, teamId: $t }) { id } }`, { c: outsiderConversation, t: gid('Team', scene.team.id) }, 'NOT_FOUND'],
    ['updateConversation.assigneeIds', `mutation ($c: ID!, $a: [ID!]) { updateConversation(input: { id: $c, assigneeIds: $a }) { id } }`, { c: outsiderConversation, a: [member] }, 'NOT_FOUND'],
    ['postComment.conversationId', `mutation ($c: ID!) { postComment(input: { conversationId: $c, body: "x" }) { id } }`, { c: thread }, 'NOT_FOUND'],
    ['postComment.mentionIds', `mutation ($c: ID!, $m: [ID!]) { postComment(input: { conversationId: $c, body: "x", mentionIds: $m }) { id } }`, { c: outsiderConversation, m: [member] }, 'MENTION_NOT_ALLOWED'],
    ['createTask.conversationId', `mutation ($c: ID!) { createTask(input: { conversationId: $c, title: "x" }) { id } }`, { c: thread }, 'NOT_FOUND'],
    ['createTask.assigneeId', `mutation ($c: ID!, $a: ID) { createTask(input: { conversationId: $c, title: "x", assigneeId: $a }) { id } }`, { c: outsiderConversation, a: member }, 'NOT_FOUND'],
    ['updateTask.id', `mutation ($t: ID!) { updateTask(input: { id: $t, done: true, title: "pwned" }) { id } }`, { t: gid('Task', scene.task.id) }, 'NOT_FOUND'],
    ['inviteGuest.conversationId', `mutation ($c: ID!) { inviteGuest(input: { conversationId: $c, email: "spy@evil.test" }) { invitationUrl } }`, { c: thread }, 'NOT_FOUND'],
    ['addGuestToConversation.guestId', `mutation ($g: ID!, $c: ID!) { addGuestToConversation(input: { guestId: $g, conversationId: $c }) { id } }`, { g: guest, c: outsiderConversation }, 'NOT_FOUND'],
    ['addGuestToConversation.conversationId', `mutation ($g: ID!, $c: ID!) { addGuestToConversation(input: { guestId: $g, conversationId: $c }) { id } }`, { g: guest, c: thread }, 'NOT_FOUND'],
    ['removeGuestFromConversation', `mutation ($g: ID!, $c: ID!) { removeGuestFromConversation(input: { guestId: $g, conversationId: $c }) { id } }`, { g: guest, c: thread }, 'NOT_FOUND'],
    ['revokeGuest.guestId', `mutation ($g: ID!) { revokeGuest(input: { guestId: $g }) { id } }`, { g: guest }, 'NOT_FOUND'],
    ['addTeamMember.teamId', `mutation ($t: ID!, $u: ID!) { addTeamMember(input: { teamId: $t, userId: $u }) { id } }`, { t: gid('Team', scene.team.id), u: actorGlobalId(outsider.actor) }, 'NOT_FOUND'],
    ['addTeamMember.userId', `mutation ($t: ID!, $u: ID!) { addTeamMember(input: { teamId: $t, userId: $u }) { id } }`, { t: outsiderTeam, u: member }, 'NOT_FOUND'],
  ];
};

describe('IDs of another organization', () => {
  it('are NOT_FOUND (or not mentionable) in every mutation that takes an ID, and change nothing', async () => {
    const before = await fingerprint();
    for (const [field, document, variables, code] of mutations()) {
      const response = await server.gql(document, variables, outsider.token);
      expect([field, response.data?.[field.split('.')[0]!] ?? null, codes(response)]).toEqual([field, null, [code]]);
    }
    expect(await fingerprint()).toEqual(before);
  });

  it('are NOT_FOUND through conversation(id) and node(id) for every type', async () => {
    const ids = [
      gid('Conversation', scene.thread.id),
      gid('Message', scene.message.id),
      gid('Comment', scene.comment.id),
      gid('Task', scene.task.id),
      gid('Team', scene.team.id),
      actorGlobalId(scene.member.actor),
      actorGlobalId(scene.guest.actor),
      gid('Organization', scene.owner.viewer.organizationId),
    ];
    const conversation = await server.gql(`query ($id: ID!) { conversation(id: $id) { id } }`, { id: ids[0] }, outsider.token);
    expect(conversation.data).toEqual({ conversation: null });
    expect(codes(conversation)).toEqual(['NOT_FOUND']);
    for (const id of ids) {
      const response = await server.gql(`query ($id: ID!) { node(id: $id) { id } }`, { id }, outsider.token);
      expect([id, response.data, codes(response)]).toEqual([id, { node: null }, ['NOT_FOUND']]);
    }
  });

  it('are NOT_FOUND for an attachment, by token and through a subscription', async () => {
    const upload = await uploadFile(server, scene.owner.token, 'secret plans', 'plans.txt');
    expect(upload.status).toBe(201);
    const { id } = upload.body as { id: string };

    const download = await fetch(`${server.url}/attachments/${id}`, { headers: { authorization: `Bearer ${outsider.token}` } });
    expect(download.status).toBe(404);
    const attach = await server.gql(
      `mutation ($c: ID!, $a: [ID!]) { postComment(input: { conversationId: $c, body: "mine now", attachmentIds: $a }) { id } }`,
      { c: outsiderConversation, a: [id] },
      outsider.token,
    );
    expect(attach.data).toBeNull();
    expect(codes(attach)).toEqual(['NOT_FOUND']);

    const socket = await connect(server, outsider.token);
    const subscription = socket.subscribe(`subscription ($id: ID!) { commentAdded(conversationId: $id) { id body } }`, {
      id: gid('Conversation', scene.thread.id),
    });
    const [first] = await subscription.take(1);
    expect(first!.data ?? null).toBeNull();
    expect(first!.errors?.map((error) => error.extensions?.code)).toEqual(['NOT_FOUND']);
    expect(await subscription.ended).toEqual({ kind: 'complete' });
    await socket.dispose();
  });
});
