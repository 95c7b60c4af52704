import { Field, ID, InterfaceType } from 'type-graphql';
import { Node } from '../node/node.type';
import type { ActorEntity } from './actor.entity';

@InterfaceType('Actor', {
  description: 'Someone who can act in a conversation: an organization member or a guest.',
  implements: Node,
  resolveType: (actor: ActorEntity) => (actor.kind === 'GUEST' ? 'Guest' : 'User'),
})
export abstract class Actor extends Node {
  @Field(() => ID)
  declare id: string;

  @Field()
  name: string;

  @Field()
  isGuest: boolean;
}
