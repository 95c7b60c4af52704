import { PasswordHasher } from '../../src/auth/password';
import { toGlobalId } from '../../src/ids';
import { buildConversation, buildGuest, buildInvitedGuest, buildOrganization, invitationToken, PASSWORD, uniqueEmail } from '../support/factories';
import { codes, startServer, type GraphQLResponse, type TestServer } from '../support/server';
import { jsonHeaders, raw } from './helpers';

const LOG_IN = `mutation ($input: LogInInput!) { logIn(input: $input) { token viewer { id } } }`;
const SIGN_UP = `mutation ($input: SignUpInput!) { signUp(input: $input) { token } }`;
const ACCEPT = `mutation ($input: AcceptInvitationInput!) { acceptInvitation(input: $input) { token viewer { id } } }`;
const INVITE_GUEST = `mutation ($input: InviteGuestInput!) { inviteGuest(input: $input) { guest { id } invitationUrl } }`;
const INVITE_MEMBER = `mutation ($input: InviteMemberInput!) { inviteMember(input: $input) { invitationUrl expiresAt } }`;
const WRONG = 'not the password';

/** An operation sent from a client address, as the trusted (loopback) proxy reports it. */
const from = (server: TestServer, address: string, query: string, variables: Record<string, unknown>) =>
  raw(server, { headers: { ...jsonHeaders(), 'x-forwarded-for': address }, body: JSON.stringify({ query, variables }) });

const codeOf = (response: GraphQLResponse) => codes(response)[0] ?? 'OK';

describe('the failed log-in limit of an email', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server?.stop());

  it('cannot be reset by logging in to another account with the same email (a guest account an attacker made for it)', async () => {
    const victim = await buildOrganization(server);
    const attacker = await buildOrganization(server);
    const bait = await buildConversation(server, { creator: attacker });
    const invited = await server.gql(INVITE_GUEST, { input: { conversationId: toGlobalId('Conversation', bait.id), email: victim.email } }, attacker.token);
    const attackerPassword = 'the attacker knows this one';
    const squat = await server.gql(ACCEPT, { input: { token: invitationToken(invited.data.inviteGuest.invitationUrl), name: 'Not Victim', password: attackerPassword } });
    expect(squat.errors).toBeUndefined();

    const guess = () => server.gql(LOG_IN, { input: { email: victim.email, password: WRONG } });
    const round = async () => {
      const answers: string[] = [];
      for (let attempt = 0; attempt < 9; attempt += 1) answers.push(codeOf(await guess()));
      answers.push(codeOf(await server.gql(LOG_IN, { input: { email: victim.email, password: attackerPassword } })));
      return answers;
    };
    expect(await round()).toEqual([...Array(9).fill('UNAUTHENTICATED'), 'OK']);
    // The success gave back its own attempt only: the tenth failure is the last one allowed.
    expect(await round()).toEqual(['UNAUTHENTICATED', ...Array(9).fill('RATE_LIMITED')]);
  });

  it('keeps counting failures made before a successful log-in (the success gives back only its own attempt)', async () => {
    const owner = await buildOrganization(server);
    for (let attempt = 0; attempt < 9; attempt += 1) expect(codeOf(await server.gql(LOG_IN, { input: { email: owner.email, password: WRONG } }))).toBe('UNAUTHENTICATED');
    expect(codeOf(await server.gql(LOG_IN, { input: { email: owner.email, password: PASSWORD } }))).toBe('OK');
    expect(codeOf(await server.gql(LOG_IN, { input: { email: owner.email, password: WRONG } }))).toBe('UNAUTHENTICATED');
    expect(codeOf(await server.gql(LOG_IN, { input: { email: owner.email, password: PASSWORD } }))).toBe('RATE_LIMITED');
  });
});

describe("a person's log-in, whatever other organizations did with their email", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server?.stop());

  it('finds the real guest account behind a dozen accounts squatted by other organizations, for the cost of one hash', async () => {
    const email = uniqueEmail('lawyer');
    for (let squatter = 0; squatter < 12; squatter += 1) {
      const organization = await buildOrganization(server, { organizationName: `Squatter ${squatter}` });
      await buildGuest(server, { inviter: organization, conversationIds: [(await buildConversation(server, { creator: organization })).id], email });
    }
    const lawFirmClient = await buildOrganization(server, { organizationName: 'Real client' });
    const { guest, invitationUrl } = await buildInvitedGuest(server, { inviter: lawFirmClient, conversationId: (await buildConversation(server, { creator: lawFirmClient })).id, email });
    const ownPassword = 'the lawyer chose this one';
    const accepted = await server.gql(ACCEPT, { input: { token: invitationToken(invitationUrl), name: 'Laura Lawyer', password: ownPassword } });
    expect(accepted.errors).toBeUndefined();

    const hashesBefore = server.app.services.passwords.computed;
    const logIn = await server.gql(LOG_IN, { input: { email: email.toUpperCase(), password: ownPassword } });
    expect(logIn.errors).toBeUndefined();
    expect(logIn.data.logIn.viewer.id).toBe(toGlobalId('Guest', guest.id));
    expect(server.app.services.passwords.computed - hashesBefore).toBe(1);

    const wrong = await server.gql(LOG_IN, { input: { email, password: WRONG } });
    expect(codes(wrong)).toEqual(['UNAUTHENTICATED']);
    expect(server.app.services.passwords.computed - hashesBefore).toBe(2);
  });
});

describe('password hashes from before salts were derived from the email', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server?.stop());

  it('still verify, and are rewritten with the current salt at the next log-in', async () => {
    const owner = await buildOrganization(server);
    // What an older server stored: a hash salted for something else than this email.
    const legacy = await new PasswordHasher({ passwordHashCost: 10, passwordHashConcurrency: 1, sessionSecret: 'x'.repeat(32) }).hash(PASSWORD, 'someone@else.test');
    const credentials = (hash?: string) =>
      hash === undefined
        ? server.app.database.dataSource.query(`SELECT password_hash FROM actor_credentials WHERE actor_id = $1`, [owner.actor.id])
        : server.app.database.dataSource.query(`UPDATE actor_credentials SET password_hash = $2 WHERE actor_id = $1`, [owner.actor.id, hash]);
    await credentials(legacy);
    expect(server.app.services.passwords.isOutdated(legacy, owner.email)).toBe(true);
    const logIn = await server.gql(LOG_IN, { input: { email: owner.email, password: PASSWORD } });
    expect(logIn.errors).toBeUndefined();
    const [{ password_hash: renewed }] = await credentials();
    expect(renewed).not.toBe(legacy);
    expect(server.app.services.passwords.isOutdated(renewed, owner.email)).toBe(false);
    expect(codes(await server.gql(LOG_IN, { input: { email: owner.email, password: PASSWORD } }))).toEqual([]);
  });
});

describe('anonymous calls that hash a password', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ RATE_LIMIT_SIGNUP: '3/1h', RATE_LIMIT_ACCEPT_INVITATION: '3/15m' });
  });
  afterAll(() => server?.stop());

  it('refuse a made-up invitation link and a taken email before hashing anything', async () => {
    const owner = await buildOrganization(server);
    const before = server.app.services.passwords.computed;
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const bogus = await from(server, `198.51.100.${attempt}`, ACCEPT, { input: { token: `inv_made_up_${attempt}`, name: 'Nobody', password: PASSWORD } });
      expect(bogus.data).toBeNull();
      expect(codes(bogus)).toEqual(['INVITATION_INVALID']);
    }
    const taken = await from(server, '198.51.100.10', SIGN_UP, { input: { organizationName: 'Copy', name: 'Copy', email: owner.email, password: PASSWORD } });
    expect(codes(taken)).toEqual(['BAD_USER_INPUT']);
    expect(server.app.services.passwords.computed).toBe(before);
  });

  it('limit sign-ups per client address, aliases one by one', async () => {
    const aliases = Array.from({ length: 5 }, (_, n) => `s${n}: signUp(input: $i${n}) { token }`).join(' ');
    const variables = Object.fromEntries(
      Array.from({ length: 5 }, (_, n) => [`i${n}`, { organizationName: `Alias ${n}`, name: 'Al', email: uniqueEmail('alias'), password: PASSWORD }]),
    );
    const declarations = Array.from({ length: 5 }, (_, n) => `$i${n}: SignUpInput!`).join(', ');
    const response = await from(server, '203.0.113.50', `mutation (${declarations}) { ${aliases} }`, variables);
    expect(response.data).toBeNull();
    expect(response.errors!.map((error) => [error.path, error.extensions!.code])).toEqual([[['s3'], 'RATE_LIMITED']]);
    expect(response.errors![0]!.extensions!.retryAfterSeconds).toBeGreaterThan(3500);
    const emails = Object.values(variables).map((input) => input.email);
    const [{ count }] = await server.app.database.dataSource.query(`SELECT count(*)::int AS count FROM actors WHERE email = ANY($1)`, [emails]);
    expect(count).toBe(3);
    // Another address is not held up.
    const other = await from(server, '203.0.113.51', SIGN_UP, { input: { organizationName: 'Other', name: 'Ot', email: uniqueEmail('other'), password: PASSWORD } });
    expect(other.errors).toBeUndefined();
  });

  it('limit failed invitation acceptances per client address; accepted links do not count', async () => {
    const owner = await buildOrganization(server);
    const address = '203.0.113.60';
    const conversation = await buildConversation(server, { creator: owner });
    for (let guest = 0; guest < 2; guest += 1) {
      const { invitationUrl } = await buildInvitedGuest(server, { inviter: owner, conversationId: conversation.id });
      const accepted = await from(server, address, ACCEPT, { input: { token: invitationToken(invitationUrl), name: 'Good', password: PASSWORD } });
      expect(accepted.errors).toBeUndefined();
    }
    const answers: string[] = [];
    for (let attempt = 0; attempt < 4; attempt += 1) {
      answers.push(codeOf(await from(server, address, ACCEPT, { input: { token: `inv_guess_${attempt}`, name: 'Bad', password: PASSWORD } })));
    }
    expect(answers).toEqual(['INVITATION_INVALID', 'INVITATION_INVALID', 'INVITATION_INVALID', 'RATE_LIMITED']);
  });
});

describe('password hashes under a flood of sign-ups', () => {
  let server: TestServer;
  beforeAll(async () => {
    // The real cost, one hash at a time: the flood queues up and stays queued long enough to watch.
    server = await startServer({ PASSWORD_HASH_COST: '15', PASSWORD_HASH_CONCURRENCY: '1', RATE_LIMIT_SIGNUP: 'off' });
  });
  afterAll(() => server?.stop());

  it('serve a log-in before the sign-ups that were waiting', async () => {
    const owner = await buildOrganization(server);
    const finished: string[] = [];
    const flood = Array.from({ length: 10 }, (_, n) =>
      server
        .gql(SIGN_UP, { input: { organizationName: `Flood ${n}`, name: 'Fl', email: uniqueEmail('flood'), password: PASSWORD } })
        .then((response) => finished.push(`signUp:${codeOf(response)}`)),
    );
    const { passwords } = server.app.services;
    for (let waited = 0; passwords.waiting < 6; waited += 1) {
      if (waited > 300) throw new Error(`the sign-ups never queued (${passwords.waiting} waiting)`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const logIn = await server.gql(LOG_IN, { input: { email: owner.email, password: PASSWORD } });
    finished.push(`logIn:${codeOf(logIn)}`);
    await Promise.all(flood);
    expect(finished.filter((entry) => entry === 'signUp:OK')).toHaveLength(10);
    // Only the hashes already running when it arrived went before it (at most one here, plus one finishing its response).
    expect(finished.indexOf('logIn:OK')).toBeLessThanOrEqual(3);
  });
});

describe('member invitations', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server?.stop());

  it('answer alike for a member of another organization and for an email nobody uses', async () => {
    const owner = await buildOrganization(server);
    const elsewhere = await buildOrganization(server);
    const taken = await server.gql(INVITE_MEMBER, { input: { email: elsewhere.email } }, owner.token);
    const fresh = await server.gql(INVITE_MEMBER, { input: { email: uniqueEmail('fresh') } }, owner.token);
    for (const response of [taken, fresh]) {
      expect(response.errors).toBeUndefined();
      expect(response.data.inviteMember.invitationUrl).toMatch(/\/invitations\/inv_/);
    }
    // The member elsewhere cannot take that invitation: one login identity per member email.
    const accept = await server.gql(ACCEPT, { input: { token: invitationToken(taken.data.inviteMember.invitationUrl), name: 'Twice', password: PASSWORD } });
    expect(codes(accept)).toEqual(['INVITATION_INVALID']);
  });

  it('still refuses a member of the inviting organization itself', async () => {
    const owner = await buildOrganization(server);
    const response = await server.gql(INVITE_MEMBER, { input: { email: owner.email.toUpperCase() } }, owner.token);
    expect(response.data).toBeNull();
    expect(codes(response)).toEqual(['BAD_USER_INPUT']);
  });
});
