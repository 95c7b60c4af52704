import { Authorized, Ctx, FieldResolver, ID, Resolver, Root } from 'type-graphql';
import type { ActorEntity } from '../actor/actor.entity';
import { Gate } from '../auth/auth-checker';
import type { Context } from '../context';
import { toGlobalId } from '../ids';
import { GuestSettings, GuestUsage } from '../guest/guest-settings.type';
import { OrganizationGuestSettings, type OrganizationGuestUsage } from '../guest/guest-settings';
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
  @FieldResolver(() => [User], { nullable: true, description: 'Members only: every member, in order of joining.' })
  members(@Root() organization: OrganizationEntity, @Ctx() { services }: Context): Promise<ActorEntity[]> {
    return services.organizations.members(organization.id);
  }

  @Authorized(Gate.MEMBER)
  @FieldResolver(() => [Guest], { nullable: true, description: 'Members only: every guest, revoked ones included, in order of invitation.' })
  guests(@Root() organization: OrganizationEntity, @Ctx() { services }: Context): Promise<ActorEntity[]> {
    return services.guests.list(organization.id);
  }

  @Authorized(Gate.MEMBER)
  @FieldResolver(() => GuestUsage, { nullable: true, description: 'Members only: how many guests it has and may have.' })
  guestUsage(@Root() organization: OrganizationEntity, @Ctx() { services }: Context): Promise<OrganizationGuestUsage> {
    return services.guests.usage(organization.id);
  }

  @Authorized(Gate.MEMBER)
  @FieldResolver(() => GuestSettings, { nullable: true, description: 'Members only: its rules for guests.' })
  guestSettings(@Root() organization: OrganizationEntity): OrganizationGuestSettings {
    return OrganizationGuestSettings.of(organization);
  }

  @Authorized(Gate.MEMBER)
  @FieldResolver(() => [Team], { nullable: true, description: 'Members only: its teams, in order of creation.' })
  teams(@Root() organization: OrganizationEntity, @Ctx() { services }: Context): Promise<TeamEntity[]> {
    return services.teams.list(organization.id);
  }
}
