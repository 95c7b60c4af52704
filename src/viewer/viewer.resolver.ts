import { Authorized, Ctx, Query, Resolver } from 'type-graphql';
import type { ActorEntity } from '../actor/actor.entity';
import { Actor } from '../actor/actor.type';
import type { Context } from '../context';
import { unauthenticated } from '../errors';
import type { OrganizationEntity } from '../organization/organization.entity';
import { Organization } from '../organization/organization.type';

@Resolver()
export class ViewerResolver {
  @Authorized()
  @Query(() => Actor, { description: 'Who is logged in: a User (member) or a Guest.' })
  async viewer(@Ctx() { viewer, loaders }: Context): Promise<ActorEntity> {
    const actor = await loaders.actor.load(viewer!.actorId);
    if (!actor) throw unauthenticated();
    return actor;
  }

  @Authorized()
  @Query(() => Organization, { description: "The viewer's organization." })
  organization(@Ctx() { viewer, services }: Context): Promise<OrganizationEntity> {
    return services.organizations.ofViewer(viewer!);
  }
}
