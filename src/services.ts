import type { DataSource } from 'typeorm';
import type { ActorEntity, ActorKind } from './actor/actor.entity';
import type { Config } from './config';
import type { Context } from './context';
import type { Logger } from './logger';
import { canSeeActor } from './actor/actor.policy';
import { ActorService } from './actor/actor.service';
import { AccountService } from './auth/account.service';
import { SessionService } from './auth/session.service';
import { ConversationService } from './conversation/conversation.service';
import { InvitationService } from './invitation/invitation.service';
import { NodeService } from './node/node.service';
import { OrganizationService } from './organization/organization.service';
import { RateLimitService } from './security/rate-limit.service';
import { TeamService } from './team/team.service';

export interface ServiceDeps {
  dataSource: DataSource;
  config: Config;
  logger: Logger;
}

/** Every service of one server instance, wired once at start. */
export function createServices(deps: ServiceDeps) {
  const { dataSource, config } = deps;
  const sessions = new SessionService(dataSource, config);
  const invitations = new InvitationService(dataSource, config);
  const teams = new TeamService(dataSource);
  const nodes: NodeService = new NodeService()
    .register('Organization', async ({ viewer, services }: Context, id: string) =>
      id === viewer?.organizationId ? services.organizations.ofViewer(viewer) : null,
    )
    .register('User', (context, id) => findActor(context, id, 'MEMBER'))
    .register('Guest', (context, id) => findActor(context, id, 'GUEST'));
  return {
    deps,
    nodes,
    actors: new ActorService(dataSource),
    rateLimits: new RateLimitService(config),
    conversations: new ConversationService(dataSource),
    sessions,
    invitations,
    teams,
    accounts: new AccountService(dataSource, config, sessions, invitations, teams),
    organizations: new OrganizationService(dataSource),
  };
}

export type Services = ReturnType<typeof createServices>;

async function findActor(context: Context, id: string, kind: ActorKind): Promise<ActorEntity | null> {
  const actor = await context.loaders.actor.load(id);
  return actor && actor.kind === kind && (await canSeeActor(context, actor)) ? actor : null;
}
