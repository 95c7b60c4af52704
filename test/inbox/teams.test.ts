import { toGlobalId } from '../../src/ids';
import { countRows, guestId, ok, userId } from '../support/api';
import { buildGuest, buildMember, buildOrganization, invitationToken, PASSWORD, uniqueEmail, type Session } from '../support/factories';
import { codes, startServer, type TestServer } from '../support/server';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server?.stop());

const TEAM_FIELDS = `id name isDefault members { id name }`;
const CREATE = `mutation ($input: CreateTeamInput!) { createTeam(input: $input) { ${TEAM_FIELDS} } }`;
const ADD = `mutation ($input: AddTeamMemberInput!) { addTeamMember(input: $input) { ${TEAM_FIELDS} } }`;
const TEAMS = `{ organization { teams { ${TEAM_FIELDS} } } }`;

const teams = async (session: Session) => ok(await server.gql(TEAMS, {}, session.token)).organization.teams;

describe('createTeam', () => {
  it('lets an owner and an admin create teams, listed in order of creation', async () => {
    const owner = await buildOrganization(server);
    const admin = await buildMember(server, { inviter: owner, role: 'ADMIN' });
    const support = ok(await server.gql(CREATE, { input: { name: ' Support ' } }, owner.token)).createTeam;
    expect(support).toMatchObject({ name: 'Support', isDefault: false, members: [] });
    const everyone = ok(await server.gql(CREATE, { input: { name: 'Everyone', isDefault: true } }, admin.token)).createTeam;
    expect(everyone).toMatchObject({ name: 'Everyone', isDefault: true, members: [] });
    expect(await teams(owner)).toEqual([support, everyone]);
  });

  it('forbids a MEMBER and a guest, and creates nothing', async () => {
    const owner = await buildOrganization(server);
    const member = await buildMember(server, { inviter: owner });
    const guest = await buildGuest(server, { inviter: owner, conversationIds: [] });
    for (const session of [member, guest]) {
      const response = await server.gql(CREATE, { input: { name: 'Mine' } }, session.token);
      expect(response.data).toBeNull();
      expect(codes(response)).toEqual(['FORBIDDEN']);
    }
    expect(await teams(owner)).toEqual([]);
  });

  it('refuses an empty or overlong name with BAD_USER_INPUT', async () => {
    const owner = await buildOrganization(server);
    for (const name of ['  ', 'x'.repeat(101)]) {
      const response = await server.gql(CREATE, { input: { name } }, owner.token);
      expect(response.data).toBeNull();
      expect(codes(response)).toEqual(['BAD_USER_INPUT']);
    }
    expect(await teams(owner)).toEqual([]);
  });
});

describe('addTeamMember', () => {
  let owner: Session;
  let mia: Session;
  let team: { id: string };
  beforeAll(async () => {
    owner = await buildOrganization(server, { name: 'Olivia' });
    mia = await buildMember(server, { inviter: owner, name: 'Mia' });
    team = ok(await server.gql(CREATE, { input: { name: 'Sales' } }, owner.token)).createTeam;
  });

  it('adds members in order, and adding someone twice changes nothing', async () => {
    const first = ok(await server.gql(ADD, { input: { teamId: team.id, userId: userId(mia.actor) } }, owner.token)).addTeamMember;
    expect(first.members).toEqual([{ id: userId(mia.actor), name: 'Mia' }]);
    ok(await server.gql(ADD, { input: { teamId: team.id, userId: userId(owner.actor) } }, owner.token));
    const again = ok(await server.gql(ADD, { input: { teamId: team.id, userId: userId(mia.actor) } }, owner.token)).addTeamMember;
    expect(again.members).toEqual([
      { id: userId(mia.actor), name: 'Mia' },
      { id: userId(owner.actor), name: 'Olivia' },
    ]);
  });

  it('answers NOT_FOUND for an unknown, malformed or foreign team or user and adds nothing', async () => {
    const stranger = await buildOrganization(server);
    const theirTeam = ok(await server.gql(CREATE, { input: { name: 'Theirs' } }, stranger.token)).createTeam;
    const cases = [
      { teamId: toGlobalId('Team', '00000000-0000-4000-8000-000000000000'), userId: userId(mia.actor) },
      { teamId: 'nope', userId: userId(mia.actor) },
      { teamId: theirTeam.id, userId: userId(mia.actor) },
      { teamId: team.id, userId: toGlobalId('User', '00000000-0000-4000-8000-000000000000') },
      { teamId: team.id, userId: userId(stranger.actor) },
      { teamId: team.id, userId: team.id },
    ];
    const before = await countRows(server, 'team_members');
    for (const input of cases) {
      const response = await server.gql(ADD, { input }, owner.token);
      expect(response.data).toBeNull();
      expect(codes(response)).toEqual(['NOT_FOUND']);
    }
    expect(await countRows(server, 'team_members')).toBe(before);
  });

  it('refuses a guest with GUEST_NOT_ALLOWED', async () => {
    const guest = await buildGuest(server, { inviter: owner, conversationIds: [] });
    const response = await server.gql(ADD, { input: { teamId: team.id, userId: guestId(guest.actor) } }, owner.token);
    expect(response.data).toBeNull();
    expect(codes(response)).toEqual(['GUEST_NOT_ALLOWED']);
    expect(await countRows(server, 'team_members', 'actor_id = $1', [guest.actor.id])).toBe(0);
  });

  it('forbids a MEMBER', async () => {
    const response = await server.gql(ADD, { input: { teamId: team.id, userId: userId(mia.actor) } }, mia.token);
    expect(response.data).toBeNull();
    expect(codes(response)).toEqual(['FORBIDDEN']);
  });
});

describe('default teams', () => {
  it('adds a member who joins to every default team, and to no other', async () => {
    const owner = await buildOrganization(server, { name: 'Olivia' });
    ok(await server.gql(CREATE, { input: { name: 'Everyone', isDefault: true } }, owner.token));
    ok(await server.gql(CREATE, { input: { name: 'Specialists' } }, owner.token));
    ok(await server.gql(CREATE, { input: { name: 'Announcements', isDefault: true } }, owner.token));
    // Joining as a person would: invitation link, then acceptInvitation.
    for (const [name, role] of [['Newcomer', 'MEMBER'], ['Admin', 'ADMIN']]) {
      const invite = ok(await server.gql(`mutation ($input: InviteMemberInput!) { inviteMember(input: $input) { invitationUrl } }`, { input: { email: uniqueEmail(), role } }, owner.token));
      const token = invitationToken(invite.inviteMember.invitationUrl);
      ok(await server.gql(`mutation ($input: AcceptInvitationInput!) { acceptInvitation(input: $input) { token } }`, { input: { token, name, password: PASSWORD } }));
    }
    await buildGuest(server, { inviter: owner, conversationIds: [] });
    expect((await teams(owner)).map((t: { name: string; members: { name: string }[] }) => [t.name, t.members.map((m) => m.name)])).toEqual([
      ['Everyone', ['Newcomer', 'Admin']],
      ['Specialists', []],
      ['Announcements', ['Newcomer', 'Admin']],
    ]);
  });
});

describe('organization { teams }', () => {
  it('is members only: a guest gets null and FORBIDDEN at that path', async () => {
    const owner = await buildOrganization(server, { organizationName: 'Initech' });
    const guest = await buildGuest(server, { inviter: owner, conversationIds: [] });
    const response = await server.gql(`{ organization { name teams { id } } }`, {}, guest.token);
    expect(response.data).toEqual({ organization: { name: 'Initech', teams: null } });
    expect(codes(response)).toEqual(['FORBIDDEN']);
    expect(response.errors![0]!.path).toEqual(['organization', 'teams']);
  });

  it("never shows another organization's teams", async () => {
    const owner = await buildOrganization(server);
    const stranger = await buildOrganization(server);
    ok(await server.gql(CREATE, { input: { name: 'Theirs' } }, stranger.token));
    expect(await teams(owner)).toEqual([]);
  });
});
