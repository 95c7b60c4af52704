import { Field, ObjectType, registerEnumType } from 'type-graphql';
import { Conversation } from '../conversation/conversation.type';
import { User } from '../user/user.type';
import { GuestAccessLevel } from './guest-access.entity';

registerEnumType(GuestAccessLevel, {
  name: 'GuestAccessLevel',
  description: 'How much a guest may do in one conversation (SPEC §11).',
  valuesConfig: {
    COMMENT: { description: 'Read the conversation and post internal comments (the default).' },
    READ: { description: 'Read the conversation and download its attachments; nothing else.' },
  },
});

@ObjectType('GuestAccess', { description: "One guest's access to one conversation." })
export class GuestAccess {
  @Field(() => Conversation, { description: 'The conversation this access opens.' })
  conversation: Conversation;

  @Field(() => GuestAccessLevel, { description: 'What the guest may do there: COMMENT, or READ only.' })
  level: GuestAccessLevel;

  @Field(() => Date, { nullable: true, description: 'Null: until someone removes it.' })
  expiresAt: Date | null;

  @Field(() => User, { nullable: true, description: 'The member who gave this access (null if they are gone).' })
  grantedBy: User | null;

  @Field({ description: 'When this access was given.' })
  grantedAt: Date;
}
