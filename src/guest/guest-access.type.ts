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
  @Field(() => Conversation)
  conversation: Conversation;

  @Field(() => GuestAccessLevel)
  level: GuestAccessLevel;

  @Field(() => Date, { nullable: true, description: 'Null: until someone removes it.' })
  expiresAt: Date | null;

  @Field(() => User, { nullable: true })
  grantedBy: User | null;

  @Field()
  grantedAt: Date;
}
