import { Field, ID, InputType } from 'type-graphql';
import { GuestInviters } from '../organization/organization.entity';

@InputType({ description: 'Whom to invite, and where.' })
export class InviteGuestInput {
  @Field(() => ID, { description: 'The thread they get access to (never a chat room).' })
  conversationId: string;

  @Field({ description: 'Their email: a guest of the organization with this email gets one more conversation; a member\'s email is BAD_USER_INPUT.' })
  email: string;

  @Field(() => String, { nullable: true, description: 'Shown until the guest sets their own name.' })
  name?: string | null;
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
}
