import { Field, ObjectType } from 'type-graphql';
import type { ActorEntity } from '../actor/actor.entity';
import { Actor } from '../actor/actor.type';

@ObjectType('AuthPayload', { description: 'A new session: what `signUp`, `logIn` and `acceptInvitation` return.' })
export class AuthPayload {
  @Field({ description: 'Send it as "Authorization: Bearer <token>" (over websockets: `{ "authorization": "Bearer <token>" }` in `connection_init`).' })
  token: string;

  @Field(() => Actor, { description: 'Who is now logged in: the rest of this operation already runs as them.' })
  viewer: ActorEntity;
}

@ObjectType('InvitationPayload', { description: 'A member invitation.' })
export class InvitationPayload {
  @Field(() => String, {
    nullable: true,
    description: 'PUBLIC_URL/invitations/<token>: the token is the last path segment. Single use. Null when a mail transport is configured: then only the invitee\'s inbox gets it.',
  })
  invitationUrl: string | null;

  @Field({ description: 'When the link stops working (7 days after it was made).' })
  expiresAt: Date;
}
