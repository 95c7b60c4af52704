import type { App } from './app';
import { OrganizationEntity } from './organization/organization.entity';

export const DEMO_PASSWORD = 'sidedoor-demo';

/**
 * On an empty embedded database, creates a demo organization and returns how
 * to log in; on any other database, does nothing and returns null.
 */
export async function seedDemo(app: App): Promise<string | null> {
  const { services, database } = app;
  if ((await database.dataSource.manager.count(OrganizationEntity)) > 0) return null;

  const owner = await services.accounts.signUp({
    organizationName: 'Acme (demo)',
    name: 'Olivia Owner',
    email: 'owner@demo.sidedoor.test',
    password: DEMO_PASSWORD,
  });
  const ownerViewer = await services.sessions.authenticate(owner.token);
  const invitation = await services.accounts.inviteMember(ownerViewer!, { email: 'member@demo.sidedoor.test', role: 'MEMBER' });
  await services.accounts.acceptInvitation({
    token: invitation.invitationUrl.split('/').pop()!,
    name: 'Max Member',
    password: DEMO_PASSWORD,
  });

  const url = `${app.config.publicUrl}/graphql`;
  const login = (email: string) =>
    `curl -s ${url} -H 'content-type: application/json' \\\n    -d '{"query":"mutation { logIn(input: {email: \\"${email}\\", password: \\"${DEMO_PASSWORD}\\"}) { token } }"}'`;
  return [
    '',
    'Demo organization created. Log in with:',
    `  member (owner): ${login('owner@demo.sidedoor.test')}`,
    `  member:         ${login('member@demo.sidedoor.test')}`,
    'then send the token as "Authorization: Bearer <token>".',
    '',
  ].join('\n');
}
