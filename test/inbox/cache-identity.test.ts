import { buildGuest, buildConversation, buildMember, buildOrganization, type Session } from '../support/factories';
import { conversationId, ok, uploadFile } from '../support/api';
import { codes, startServer, type TestServer } from '../support/server';

let server: TestServer;
let owner: Session;
beforeAll(async () => {
  server = await startServer({ ATTACHMENT_URL_TTL_SECONDS: '600' });
  owner = await buildOrganization(server);
});
afterAll(() => server?.stop());

const SETTINGS = `{ organization { id guestSettings { id enabled whoCanInvite } guestUsage { id guestCount guestLimit } } }`;
const UPDATE = `mutation ($input: UpdateGuestSettingsInput!) { updateGuestSettings(input: $input) { id enabled whoCanInvite } }`;
const NODE = `query ($id: ID!) { node(id: $id) { __typename id ... on GuestSettings { whoCanInvite } ... on GuestUsage { guestLimit } } }`;

describe('guest settings and usage have a stable identity', () => {
  it('keeps one ID per organization before and after updateGuestSettings, so a client cache updates in place', async () => {
    const before = ok(await server.gql(SETTINGS, {}, owner.token)).organization;
    expect(before.guestSettings.id).toEqual(expect.any(String));
    expect(before.guestUsage.id).toEqual(expect.any(String));
    expect(new Set([before.id, before.guestSettings.id, before.guestUsage.id]).size).toBe(3);

    const updated = ok(await server.gql(UPDATE, { input: { whoCanInvite: 'ADMINS' } }, owner.token)).updateGuestSettings;
    expect(updated).toEqual({ id: before.guestSettings.id, enabled: true, whoCanInvite: 'ADMINS' });

    await buildMember(server, { inviter: owner });
    const after = ok(await server.gql(SETTINGS, {}, owner.token)).organization;
    expect(after.guestSettings).toEqual({ id: before.guestSettings.id, enabled: true, whoCanInvite: 'ADMINS' });
    expect(after.guestUsage).toMatchObject({ id: before.guestUsage.id, guestLimit: before.guestUsage.guestLimit * 2 });
  });

  it('gives another organization other IDs', async () => {
    const mine = ok(await server.gql(SETTINGS, {}, owner.token)).organization;
    const theirs = ok(await server.gql(SETTINGS, {}, (await buildOrganization(server)).token)).organization;
    expect(theirs.guestSettings.id).not.toBe(mine.guestSettings.id);
    expect(theirs.guestUsage.id).not.toBe(mine.guestUsage.id);
  });

  it('finds both through node(id) for members', async () => {
    const member = await buildMember(server, { inviter: owner });
    const { guestSettings, guestUsage } = ok(await server.gql(SETTINGS, {}, owner.token)).organization;
    expect(ok(await server.gql(NODE, { id: guestSettings.id }, member.token)).node).toEqual({
      __typename: 'GuestSettings',
      id: guestSettings.id,
      whoCanInvite: guestSettings.whoCanInvite,
    });
    expect(ok(await server.gql(NODE, { id: guestUsage.id }, member.token)).node).toEqual({
      __typename: 'GuestUsage',
      id: guestUsage.id,
      guestLimit: guestUsage.guestLimit,
    });
  });

  it("answers NOT_FOUND to a guest's node(id), and to another organization's member", async () => {
    const { guestSettings, guestUsage } = ok(await server.gql(SETTINGS, {}, owner.token)).organization;
    const guest = await buildGuest(server, { inviter: owner, conversationIds: [(await buildConversation(server, { creator: owner })).id] });
    const stranger = await buildOrganization(server);
    for (const token of [guest.token, stranger.token]) {
      for (const id of [guestSettings.id, guestUsage.id]) {
        const response = await server.gql(NODE, { id }, token);
        expect(response.data).toEqual({ node: null });
        expect(codes(response)).toEqual(['NOT_FOUND']);
      }
    }
    const asGuest = await server.gql(`{ organization { guestSettings { id } guestUsage { id } } }`, {}, guest.token);
    expect(asGuest.data).toEqual({ organization: { guestSettings: null, guestUsage: null } });
    expect(codes(asGuest)).toEqual(['FORBIDDEN', 'FORBIDDEN']);
  });
});

describe('Attachment.urlExpiresAt', () => {
  it('is the expiry the signed link carries, ATTACHMENT_URL_TTL_SECONDS from now', async () => {
    const conversation = await buildConversation(server, { creator: owner });
    const uploaded = await uploadFile(server, owner.token, 'hello', 'hello.txt');
    expect(uploaded.status).toBe(201);
    const { id } = uploaded.body as { id: string };
    const asked = Date.now();
    const posted = ok(
      await server.gql(
        `mutation ($input: PostCommentInput!) { postComment(input: $input) { attachments { id url urlExpiresAt } } }`,
        { input: { conversationId: conversationId(conversation.id), body: 'See attached.', attachmentIds: [id] } },
        owner.token,
      ),
    ).postComment.attachments;
    expect(posted).toEqual([{ id, url: expect.any(String), urlExpiresAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/) }]);
    const expires = Number(new URL(posted[0].url).searchParams.get('expires'));
    expect(Date.parse(posted[0].urlExpiresAt)).toBe(expires * 1000);
    expect(expires * 1000).toBeGreaterThan(asked + 590_000);
    expect(expires * 1000).toBeLessThanOrEqual(Date.now() + 600_000);
    expect((await fetch(posted[0].url)).status).toBe(200);
  });
});
