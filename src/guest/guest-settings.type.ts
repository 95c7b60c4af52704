import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { ActorEntity } from '../actor/actor.entity';
import { GuestInviters, type OrganizationEntity } from '../organization/organization.entity';
import { Guest } from './guest.type';

registerEnumType(GuestInviters, {
  name: 'GuestInviters',
  valuesConfig: {
    ADMINS: { description: 'Only owners and admins invite, add, remove and revoke guests.' },
    MEMBERS: { description: 'Every member may (the default).' },
  },
});

@ObjectType('GuestSettings')
export class GuestSettings {
  @Field()
  enabled: boolean;

  @Field(() => GuestInviters)
  whoCanInvite: GuestInviters;

  @Field(() => Int, { nullable: true, description: 'Days a new access lasts when the inviter gives no expiresAt; null: no expiry.' })
  defaultAccessDays: number | null;
}

/** An organization's guest settings as the API shows them. */
export const guestSettingsOf = (organization: OrganizationEntity): GuestSettings => ({
  enabled: organization.guestsEnabled,
  whoCanInvite: organization.whoCanInvite,
  defaultAccessDays: organization.defaultAccessDays,
});

@ObjectType('GuestUsage', { description: 'What Settings > Guests shows.' })
export class GuestUsage {
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

  @Field(() => String, {
    nullable: true,
    description: 'Null when an already active guest was simply given one more conversation, and whenever a mail transport is configured (the link goes only by email).',
  })
  invitationUrl: string | null;
}
