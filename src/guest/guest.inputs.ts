import { Field, ID, InputType, Int } from 'type-graphql';
import { GuestInviters } from '../organization/organization.entity';
import { GuestAccessLevel } from './guest-access.entity';

@InputType({ description: 'Whom to invite, and where.' })
export class InviteGuestInput {
  @Field(() => ID, { description: 'The thread they get access to (never a chat room).' })
  conversationId: string;

  @Field({ description: 'Their email: a guest of the organization with this email gets one more conversation; a member\'s email is BAD_USER_INPUT.' })
  email: string;

  @Field(() => String, { nullable: true, description: 'Shown until the guest sets their own name.' })
  name?: string | null;

  @Field(() => GuestAccessLevel, { nullable: true, defaultValue: GuestAccessLevel.COMMENT, description: 'What the guest may do in this conversation.' })
  level?: GuestAccessLevel | null;

  @Field(() => Date, { nullable: true, description: 'Omitted: now + guestSettings.defaultAccessDays (or none). Must be in the future.' })
  expiresAt?: Date | null;
}

@InputType({ description: "Which guest's access to which conversation, and what to change of it." })
export class UpdateGuestAccessInput {
  @Field(() => ID, { description: 'A Guest ID.' })
  guestId: string;

  @Field(() => ID, { description: 'A Conversation ID the guest has live access to.' })
  conversationId: string;

  @Field(() => GuestAccessLevel, { nullable: true, description: 'Omitted: unchanged.' })
  level?: GuestAccessLevel | null;

  @Field(() => Date, { nullable: true, description: 'Omitted: unchanged; null: no expiry; otherwise must be in the future.' })
  expiresAt?: Date | null;
}

@InputType({ description: 'One guest and one conversation.' })
export class GuestConversationInput {
  @Field(() => ID, { description: 'A Guest ID.' })
  guestId: string;

  @Field(() => ID, { description: 'A Conversation ID.' })
  conversationId: string;
}

@InputType({ description: 'The guest to revoke.' })
export class RevokeGuestInput {
  @Field(() => ID, { description: 'A Guest ID.' })
  guestId: string;
}

@InputType({ description: 'What to change in the guest settings: a field left out stays as it is.' })
export class UpdateGuestSettingsInput {
  @Field(() => Boolean, { nullable: true, description: 'false blocks invitations and suspends every guest session.' })
  enabled?: boolean | null;

  @Field(() => GuestInviters, { nullable: true, description: 'Who may invite, add, remove and revoke guests.' })
  whoCanInvite?: GuestInviters | null;

  @Field(() => Int, { nullable: true, description: 'Omitted: unchanged; null: no default expiry; otherwise 1 to 365.' })
  defaultAccessDays?: number | null;
}
