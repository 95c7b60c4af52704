import { Field, ID, InterfaceType } from 'type-graphql';
import { Node } from '../node/node.type';
import type { ActorEntity } from './actor.entity';

@InterfaceType('Actor', {
  description: 'Someone who can act in a conversation: an organization member or a guest.',
  implements: Node,
  resolveType: (actor: ActorEntity) => (actor.kind === 'GUEST' ? 'Guest' : 'User'),
})
export abstract class Actor extends Node {
  @Field(() => ID, { description: 'A `User` ID for a member, a `Guest` ID for a guest.' })
  declare id: string;

  @Field({ description: "The name they chose; a guest who has not accepted yet: the inviter's choice, or the start of their email." })
  name: string;

  @Field({ description: 'Whether this is a guest (show a badge), rather than a member of the organization.' })
  isGuest: boolean;
}
