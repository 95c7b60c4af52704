import { Field, ID, InputType, Int } from 'type-graphql';
import { GuestInviters } from '../organization/organization.entity';
import { GuestAccessLevel } from './guest-access.entity';

@InputType()
export class InviteGuestInput {
  @Field(() => ID)
  conversationId: string;

  @Field()
  email: string;

  @Field(() => String, { nullable: true, description: 'Shown until the guest sets their own name.' })
  name?: string | null;

  @Field(() => GuestAccessLevel, { nullable: true, defaultValue: GuestAccessLevel.COMMENT })
  level?: GuestAccessLevel | null;

  @Field(() => Date, { nullable: true, description: 'Omitted: now + guestSettings.defaultAccessDays (or none). Must be in the future.' })
  expiresAt?: Date | null;
}

@InputType()
export class UpdateGuestAccessInput {
  @Field(() => ID)
  guestId: string;

  @Field(() => ID)
  conversationId: string;

  @Field(() => GuestAccessLevel, { nullable: true, description: 'Omitted: unchanged.' })
  level?: GuestAccessLevel | null;

  @Field(() => Date, { nullable: true, description: 'Omitted: unchanged; null: no expiry; otherwise must be in the future.' })
  expiresAt?: Date | null;
}

@InputType()
export class GuestConversationInput {
  @Field(() => ID)
  guestId: string;

  @Field(() => ID)
  conversationId: string;
}

@InputType()
export class RevokeGuestInput {
  @Field(() => ID)
  guestId: string;
}

@InputType()
export class UpdateGuestSettingsInput {
  @Field(() => Boolean, { nullable: true, description: 'false blocks invitations and suspends every guest session.' })
  enabled?: boolean | null;

  @Field(() => GuestInviters, { nullable: true })
  whoCanInvite?: GuestInviters | null;

  @Field(() => Int, { nullable: true, description: 'Omitted: unchanged; null: no default expiry; otherwise 1 to 365.' })
  defaultAccessDays?: number | null;
}
