import { Field, ID, InputType } from 'type-graphql';
import { GuestInviters } from '../organization/organization.entity';

@InputType()
export class InviteGuestInput {
  @Field(() => ID)
  conversationId: string;

  @Field()
  email: string;

  @Field(() => String, { nullable: true, description: 'Shown until the guest sets their own name.' })
  name?: string | null;
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
}
