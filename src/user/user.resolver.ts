import { FieldResolver, ID, Resolver, Root } from 'type-graphql';
import type { ActorEntity } from '../actor/actor.entity';
import { toGlobalId } from '../ids';
import { User } from './user.type';

@Resolver(() => User)
export class UserResolver {
  @FieldResolver(() => ID)
  id(@Root() user: ActorEntity): string {
    return toGlobalId('User', user.id);
  }
}
