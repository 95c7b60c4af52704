import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { ActorEntity } from '../actor/actor.entity';
import { Node } from '../node/node.type';
import { GuestInviters } from '../organization/organization.entity';
import { Guest } from './guest.type';

registerEnumType(GuestInviters, {
  name: 'GuestInviters',
  valuesConfig: {
    ADMINS: { description: 'Only owners and admins invite, add, remove and revoke guests.' },
    MEMBERS: { description: 'Every member may (the default).' },
  },
});

@ObjectType('GuestSettings', {
  implements: Node,
  description: "Settings > Guests: the organization's rules for guests. Owners and admins change them with `updateGuestSettings`.",
})
export class GuestSettings extends Node {
  @Field(() => ID, { description: 'Stable per organization, so client caches update in place.' })
  declare id: string;

  @Field()
  enabled: boolean;

  @Field(() => GuestInviters)
  whoCanInvite: GuestInviters;
}

@ObjectType('GuestUsage', { implements: Node, description: 'What Settings > Guests shows: how many guests the organization has and may have.' })
export class GuestUsage extends Node {
  @Field(() => ID, { description: 'Stable per organization, so client caches update in place.' })
  declare id: string;

  @Field(() => Int)
  memberCount: number;

  @Field(() => Int)
  guestsPerMember: number;

  @Field(() => Int)
  guestLimit: number;

  @Field(() => Int)
  guestCount: number;

  @Field(() => Int)
  conversationsPerGuest: number;
}

@ObjectType('GuestInvitationPayload')
export class GuestInvitationPayload {
  @Field(() => Guest)
  guest: ActorEntity;

  @Field(() => String, { nullable: true, description: 'Null when an already active guest was simply given one more conversation.' })
  invitationUrl: string | null;
}
