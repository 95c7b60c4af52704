import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { ActorEntity } from '../actor/actor.entity';
import { Node } from '../node/node.type';
import { GuestInviters } from '../organization/organization.entity';
import { Guest } from './guest.type';

registerEnumType(GuestInviters, {
  name: 'GuestInviters',
  description: 'Who may invite, add, remove and revoke guests.',
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

  @Field({ description: 'Whether guests are on: false blocks invitations and suspends every guest session until they are on again.' })
  enabled: boolean;

  @Field(() => GuestInviters, { description: 'Who may invite, add, remove and revoke guests.' })
  whoCanInvite: GuestInviters;

  @Field(() => Int, { nullable: true, description: 'Days a new access lasts when the inviter gives no expiresAt; null: no expiry.' })
  defaultAccessDays: number | null;
}

@ObjectType('GuestUsage', { implements: Node, description: 'What Settings > Guests shows: how many guests the organization has and may have.' })
export class GuestUsage extends Node {
  @Field(() => ID, { description: 'Stable per organization, so client caches update in place.' })
  declare id: string;

  @Field(() => Int, { description: 'Members of the organization.' })
  memberCount: number;

  @Field(() => Int, { description: 'Guests allowed per member (GUESTS_PER_MEMBER).' })
  guestsPerMember: number;

  @Field(() => Int, { description: 'The most guests the organization may have: guestsPerMember × memberCount.' })
  guestLimit: number;

  @Field(() => Int, { description: 'Guests that count against the limit: every guest not revoked.' })
  guestCount: number;

  @Field(() => Int, { description: 'Conversations a guest may have access to at once (CONVERSATIONS_PER_GUEST).' })
  conversationsPerGuest: number;
}

@ObjectType('GuestInvitationPayload', { description: 'What `inviteGuest` did.' })
export class GuestInvitationPayload {
  @Field(() => Guest, { description: 'The guest, new or existing.' })
  guest: ActorEntity;

  @Field(() => String, {
    nullable: true,
    description:
      'PUBLIC_URL/invitations/<token>, single use, for 7 days: pass it to the guest. Null when an already active guest was simply given one more conversation, and whenever a mail transport is configured (the link goes only by email).',
  })
  invitationUrl: string | null;
}
