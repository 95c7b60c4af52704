import { buildMember, buildOrganization, invitationToken, PASSWORD, uniqueEmail } from './support/factories';
import { codes, startServer, type TestServer } from './support/server';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server?.stop());

const SIGN_UP = `mutation ($input: SignUpInput!) { signUp(input: $input) { token viewer { id name isGuest ... on User { email role } } } }`;
const LOG_IN = `mutation ($input: LogInInput!) { logIn(input: $input) { token viewer { id name } } }`;
const ACCEPT = `mutation ($input: AcceptInvitationInput!) { acceptInvitation(input: $input) { token viewer { __typename name ... on User { role email } } } }`;
const INVITE_MEMBER = `mutation ($input: InviteMemberInput!) { inviteMember(input: $input) { invitationUrl expiresAt } }`;
const VIEWER = `{ viewer { id name isGuest ... on User { email role } } }`;

describe('signUp', () => {
  it('creates an organization whose owner is logged in', async () => {
    const email = uniqueEmail('founder');
    const signUp = await server.gql(SIGN_UP, { input: { organizationName: 'Globex', name: 'Gina', email, password: PASSWORD } });
    expect(signUp.errors).toBeUndefined();
    expect(signUp.data.signUp.viewer).toMatchObject({ name: 'Gina', isGuest: false, email, role: 'OWNER' });
    expect(signUp.data.signUp.token).toMatch(/^sd_/);

    const organization = await server.gql(`{ organization { id name members { name role } } }`, {}, signUp.data.signUp.token);
    expect(organization.data.organization).toMatchObject({ name: 'Globex', members: [{ name: 'Gina', role: 'OWNER' }] });
  });

  it('refuses an email that already has an account, whatever its case', async () => {
    const owner = await buildOrganization(server);
    const again = await server.gql(SIGN_UP, {
      input: { organizationName: 'Other', name: 'Copy', email: owner.email.toUpperCase(), password: PASSWORD },
    });
    expect(again.data).toBeNull();
    expect(codes(again)).toEqual(['BAD_USER_INPUT']);
  });

  it('lets exactly one of several simultaneous sign-ups with one email through; the others are BAD_USER_INPUT', async () => {
    const email = uniqueEmail('race');
    const responses = await Promise.all(
      Array.from({ length: 5 }, (_, n) => server.gql(SIGN_UP, { input: { organizationName: `Race ${n}`, name: 'Rae', email, password: PASSWORD } })),
    );
    expect(responses.filter((response) => response.data?.signUp).length).toBe(1);
    expect(responses.flatMap(codes).sort()).toEqual(['BAD_USER_INPUT', 'BAD_USER_INPUT', 'BAD_USER_INPUT', 'BAD_USER_INPUT']);
  });

  it.each([
    ['a malformed email', { email: 'not-an-email' }],
    ['a short password', { password: 'short' }],
    ['an empty name', { name: '   ' }],
    ['an empty organization name', { organizationName: '' }],
  ])('refuses %s and creates nothing', async (_label, override) => {
    const email = uniqueEmail('bad');
    const response = await server.gql(SIGN_UP, {
      input: { organizationName: 'Initech', name: 'Ian', email, password: PASSWORD, ...override },
    });
    expect(response.data).toBeNull();
    expect(codes(response)).toEqual(['BAD_USER_INPUT']);
    const logIn = await server.gql(LOG_IN, { input: { email, password: PASSWORD } });
    expect(codes(logIn)).toEqual(['UNAUTHENTICATED']);
  });

  it('refuses an input of the wrong type with BAD_USER_INPUT', async () => {
    const response = await server.gql(SIGN_UP, { input: { organizationName: 1, name: 'x', email: 'x@y.test' } });
    expect(response.data).toBeUndefined();
    expect(new Set(codes(response))).toEqual(new Set(['BAD_USER_INPUT']));
  });
});

describe('logIn and logOut', () => {
  it('logs in with the right password, case-insensitively on the email', async () => {
    const owner = await buildOrganization(server, { name: 'Lena' });
    const response = await server.gql(LOG_IN, { input: { email: owner.email.toUpperCase(), password: PASSWORD } });
    expect(response.errors).toBeUndefined();
    expect(response.data.logIn.viewer.name).toBe('Lena');
    const viewer = await server.gql(VIEWER, {}, response.data.logIn.token);
    expect(viewer.data.viewer).toMatchObject({ name: 'Lena', role: 'OWNER', isGuest: false });
  });

  it('answers a wrong password and an unknown email with the same UNAUTHENTICATED error', async () => {
    const owner = await buildOrganization(server);
    const wrongPassword = await server.gql(LOG_IN, { input: { email: owner.email, password: 'wrong password!' } });
    const unknownEmail = await server.gql(LOG_IN, { input: { email: uniqueEmail('nobody'), password: PASSWORD } });
    expect(wrongPassword.data).toBeNull();
    expect(codes(wrongPassword)).toEqual(['UNAUTHENTICATED']);
    expect(codes(unknownEmail)).toEqual(['UNAUTHENTICATED']);
    expect(wrongPassword.errors![0]!.message).toBe(unknownEmail.errors![0]!.message);
  });

  it('answers an email PostgreSQL could not store like any unknown email', async () => {
    const response = await server.gql(LOG_IN, { input: { email: 'nul\u0000@example.test', password: PASSWORD } });
    expect(response.data).toBeNull();
    expect(codes(response)).toEqual(['UNAUTHENTICATED']);
  });

  it('ends the session on logOut: the token is refused afterwards, other sessions live on', async () => {
    const owner = await buildOrganization(server);
    const second = await server.gql(LOG_IN, { input: { email: owner.email, password: PASSWORD } });
    const logOut = await server.gql(`mutation { logOut }`, {}, owner.token);
    expect(logOut.data).toEqual({ logOut: true });
    const after = await server.gql(VIEWER, {}, owner.token);
    expect(after.data).toBeNull();
    expect(codes(after)).toEqual(['UNAUTHENTICATED']);
    const other = await server.gql(VIEWER, {}, second.data.logIn.token);
    expect(other.data.viewer.id).toBeDefined();
  });

  it('refuses requests without a token or with a made-up one', async () => {
    const anonymous = await server.gql(VIEWER);
    expect(anonymous.data).toBeNull();
    expect(codes(anonymous)).toEqual(['UNAUTHENTICATED']);
    const forged = await server.gql(VIEWER, {}, 'sd_forged');
    expect(codes(forged)).toEqual(['UNAUTHENTICATED']);
  });
});

describe('member invitations', () => {
  it('lets an owner invite a member who accepts, joins with the role and can log in', async () => {
    const owner = await buildOrganization(server);
    const email = uniqueEmail('admin');
    const invite = await server.gql(INVITE_MEMBER, { input: { email, role: 'ADMIN' } }, owner.token);
    expect(invite.errors).toBeUndefined();
    expect(invite.data.inviteMember.invitationUrl).toMatch(new RegExp(`^${server.url}/invitations/inv_`));
    const expiresIn = Date.parse(invite.data.inviteMember.expiresAt) - Date.now();
    expect(expiresIn).toBeGreaterThan(6.9 * 24 * 3600 * 1000);
    expect(expiresIn).toBeLessThanOrEqual(7 * 24 * 3600 * 1000);

    const accept = await server.gql(ACCEPT, {
      input: { token: invitationToken(invite.data.inviteMember.invitationUrl), name: 'Ada Admin', password: PASSWORD },
    });
    expect(accept.errors).toBeUndefined();
    expect(accept.data.acceptInvitation.viewer).toEqual({ __typename: 'User', name: 'Ada Admin', role: 'ADMIN', email });

    const members = await server.gql(`{ organization { members { name role } } }`, {}, owner.token);
    expect(members.data.organization.members).toEqual([
      { name: 'Olivia Owner', role: 'OWNER' },
      { name: 'Ada Admin', role: 'ADMIN' },
    ]);
    const logIn = await server.gql(LOG_IN, { input: { email, password: PASSWORD } });
    expect(logIn.data.logIn.viewer.name).toBe('Ada Admin');
  });

  it('forbids a MEMBER to invite members', async () => {
    const owner = await buildOrganization(server);
    const member = await buildMember(server, { inviter: owner });
    const response = await server.gql(INVITE_MEMBER, { input: { email: uniqueEmail() } }, member.token);
    expect(response.data).toBeNull();
    expect(codes(response)).toEqual(['FORBIDDEN']);
  });

  it('refuses to invite an email that already belongs to a member', async () => {
    const owner = await buildOrganization(server);
    const response = await server.gql(INVITE_MEMBER, { input: { email: owner.email } }, owner.token);
    expect(codes(response)).toEqual(['BAD_USER_INPUT']);
  });

  it('accepts an invitation once: a used link is INVITATION_INVALID', async () => {
    const owner = await buildOrganization(server);
    const invite = await server.gql(INVITE_MEMBER, { input: { email: uniqueEmail() } }, owner.token);
    const token = invitationToken(invite.data.inviteMember.invitationUrl);
    const first = await server.gql(ACCEPT, { input: { token, name: 'First', password: PASSWORD } });
    expect(first.errors).toBeUndefined();
    const second = await server.gql(ACCEPT, { input: { token, name: 'Second', password: PASSWORD } });
    expect(second.data).toBeNull();
    expect(codes(second)).toEqual(['INVITATION_INVALID']);
  });

  it('refuses an unknown or expired invitation with INVITATION_INVALID', async () => {
    const unknown = await server.gql(ACCEPT, { input: { token: 'inv_unknown', name: 'X', password: PASSWORD } });
    expect(codes(unknown)).toEqual(['INVITATION_INVALID']);

    const owner = await buildOrganization(server);
    const invite = await server.gql(INVITE_MEMBER, { input: { email: uniqueEmail() } }, owner.token);
    await server.app.database.dataSource.query(`UPDATE invitations SET expires_at = now() - interval '1 second'`);
    const expired = await server.gql(ACCEPT, {
      input: { token: invitationToken(invite.data.inviteMember.invitationUrl), name: 'Late', password: PASSWORD },
    });
    expect(expired.data).toBeNull();
    expect(codes(expired)).toEqual(['INVITATION_INVALID']);
  });

  it('keeps the invitation usable when the password is too short', async () => {
    const owner = await buildOrganization(server);
    const invite = await server.gql(INVITE_MEMBER, { input: { email: uniqueEmail() } }, owner.token);
    const token = invitationToken(invite.data.inviteMember.invitationUrl);
    const short = await server.gql(ACCEPT, { input: { token, name: 'Sam', password: 'short' } });
    expect(codes(short)).toEqual(['BAD_USER_INPUT']);
    const retry = await server.gql(ACCEPT, { input: { token, name: 'Sam', password: PASSWORD } });
    expect(retry.data.acceptInvitation.viewer.name).toBe('Sam');
  });
});

describe('organizations are sealed from each other', () => {
  it('answers NOT_FOUND for the ID of another organization or its people', async () => {
    const acme = await buildOrganization(server);
    const globex = await buildOrganization(server);
    const theirs = await server.gql(`{ organization { id members { id } } }`, {}, globex.token);
    const [orgId, userId] = [theirs.data.organization.id, theirs.data.organization.members[0].id];
    for (const id of [orgId, userId]) {
      const response = await server.gql(`query ($id: ID!) { node(id: $id) { id } }`, { id }, acme.token);
      expect(response.data).toEqual({ node: null });
      expect(codes(response)).toEqual(['NOT_FOUND']);
    }
    const own = await server.gql(`query ($id: ID!) { node(id: $id) { id ... on User { name } } }`, { id: userId }, globex.token);
    expect(own.data.node).toEqual({ id: userId, name: 'Olivia Owner' });
  });

  it('answers NOT_FOUND for a malformed ID', async () => {
    const owner = await buildOrganization(server);
    const response = await server.gql(`{ node(id: "not-an-id") { id } }`, {}, owner.token);
    expect(codes(response)).toEqual(['NOT_FOUND']);
  });
});
