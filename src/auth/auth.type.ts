import { Field, ObjectType } from 'type-graphql';
import type { ActorEntity } from '../actor/actor.entity';
import { Actor } from '../actor/actor.type';

@ObjectType('AuthPayload')
export class AuthPayload {
  @Field({ description: 'Send it as "Authorization: Bearer <token>".' })
  token: string;

  @Field(() => Actor)
  viewer: ActorEntity;
}

@ObjectType('InvitationPayload')
export class InvitationPayload {
  @Field(() => String, {
    nullable: true,
    description: 'PUBLIC_URL/invitations/<token>: the token is the last path segment. Null when a mail transport is configured: then only the invitee\'s inbox gets it.',
  })
  invitationUrl: string | null;

  @Field()
  expiresAt: Date;
}
