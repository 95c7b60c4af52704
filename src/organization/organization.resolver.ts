import { Authorized, Ctx, FieldResolver, ID, Resolver, Root } from 'type-graphql';
import type { ActorEntity } from '../actor/actor.entity';
import { Gate } from '../auth/auth-checker';
import type { Context } from '../context';
import { toGlobalId } from '../ids';
import { GuestSettings, guestSettingsOf, GuestUsage } from '../guest/guest-settings.type';
import { Guest } from '../guest/guest.type';
import type { TeamEntity } from '../team/team.entity';
import { Team } from '../team/team.type';
import { User } from '../user/user.type';
import type { OrganizationEntity } from './organization.entity';
import { Organization } from './organization.type';

@Resolver(() => Organization)
export class OrganizationResolver {
  @FieldResolver(() => ID)
  id(@Root() organization: OrganizationEntity): string {
    return toGlobalId('Organization', organization.id);
  }

  @Authorized(Gate.MEMBER)
  @FieldResolver(() => [User], { nullable: true, description: 'members only' })
  members(@Root() organization: OrganizationEntity, @Ctx() { services }: Context): Promise<ActorEntity[]> {
    return services.organizations.members(organization.id);
  }

  @Authorized(Gate.MEMBER)
  @FieldResolver(() => [Guest], { nullable: true, description: 'members only' })
  guests(@Root() organization: OrganizationEntity, @Ctx() { services }: Context): Promise<ActorEntity[]> {
    return services.guests.list(organization.id);
  }

  @Authorized(Gate.MEMBER)
  @FieldResolver(() => GuestUsage, { nullable: true, description: 'members only' })
  guestUsage(@Root() organization: OrganizationEntity, @Ctx() { services }: Context): Promise<GuestUsage> {
    return services.guests.usage(organization.id);
  }

  @Authorized(Gate.MEMBER)
  @FieldResolver(() => GuestSettings, { nullable: true, description: 'members only' })
  guestSettings(@Root() organization: OrganizationEntity): GuestSettings {
    return guestSettingsOf(organization);
  }

  @Authorized(Gate.MEMBER)
  @FieldResolver(() => [Team], { nullable: true, description: 'members only' })
  teams(@Root() organization: OrganizationEntity, @Ctx() { services }: Context): Promise<TeamEntity[]> {
    return services.teams.list(organization.id);
  }
}
