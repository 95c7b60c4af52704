import { Arg, Authorized, Ctx, FieldResolver, ID, Mutation, Resolver, Root } from 'type-graphql';
import type { ActorEntity } from '../actor/actor.entity';
import { Gate } from '../auth/auth-checker';
import type { Context } from '../context';
import { toGlobalId } from '../ids';
import { User } from '../user/user.type';
import type { TeamEntity } from './team.entity';
import { AddTeamMemberInput, CreateTeamInput } from './team.inputs';
import { Team } from './team.type';

@Resolver(() => Team)
export class TeamResolver {
  @Authorized(Gate.ADMIN)
  @Mutation(() => Team, { description: 'Owners and admins only: a new team.' })
  createTeam(@Arg('input', { description: 'The team.' }) input: CreateTeamInput, @Ctx() { viewer, services }: Context): Promise<TeamEntity> {
    return services.teams.create(viewer!, input);
  }

  @Authorized(Gate.ADMIN)
  @Mutation(() => Team, { description: 'Owners and admins only: adds a member to a team (a guest: GUEST_NOT_ALLOWED).' })
  addTeamMember(@Arg('input', { description: 'The team and the member.' }) input: AddTeamMemberInput, @Ctx() { viewer, services }: Context): Promise<TeamEntity> {
    return services.teams.addMember(viewer!, input);
  }

  @FieldResolver(() => ID)
  id(@Root() team: TeamEntity): string {
    return toGlobalId('Team', team.id);
  }

  @FieldResolver(() => [User])
  members(@Root() team: TeamEntity, @Ctx() { loaders }: Context): Promise<ActorEntity[]> {
    return loaders.teamMembers.load(team.id);
  }
}
