import { Field, ID, InputType, ObjectType, registerEnumType } from 'type-graphql';
import { Actor } from '../actor/actor.type';
import { Attachment } from '../attachment/attachment.type';
import { Conversation } from '../conversation/conversation.type';
import { Node } from '../node/node.type';
import { connectionTypes } from '../pagination.type';
import { AuditAction } from './audit.entity';

registerEnumType(AuditAction, {
  name: 'AuditAction',
  description: 'What an audit event records (SPEC §11).',
  valuesConfig: {
    GUEST_INVITED: { description: '`inviteGuest` created a guest or sent a new link; actor: the inviter; subject: the guest.' },
    GUEST_JOINED: { description: 'A guest accepted an invitation; actor and subject: the guest.' },
    GUEST_ADDED: { description: 'An existing guest got a conversation; actor: the member; subject: the guest.' },
    GUEST_ACCESS_CHANGED: { description: "`updateGuestAccess` changed an access's level or end; actor: the member; subject: the guest." },
    GUEST_REMOVED: { description: 'A guest lost a conversation (`removeGuestFromConversation`, or `allowGuests: false`); actor: the member.' },
    GUEST_LEFT: { description: 'A guest left a conversation (`leaveConversation`); actor and subject: the guest.' },
    GUEST_ACCESS_EXPIRED: { description: 'An access reached its `expiresAt`; no actor; dated at the expiry.' },
    GUEST_REVOKED: { description: '`revokeGuest`; actor: the member; subject: the guest.' },
    GUEST_SETTINGS_CHANGED: { description: '`updateGuestSettings` changed something; actor: the owner or admin.' },
    CONVERSATION_GUESTS_CHANGED: { description: "`updateConversation` changed a conversation's `allowGuests`; actor: the member." },
    MEMBER_INVITED: { description: 'A member invitation was sent; actor: the inviter.' },
    MEMBER_JOINED: { description: 'A member accepted an invitation; actor and subject: the member.' },
    LOGIN_SUCCEEDED: { description: 'An actor of the organization logged in; actor and subject: that actor.' },
    LOGIN_FAILED: { description: 'A wrong password for an actor of the organization; actor and subject: that actor.' },
    ATTACHMENT_DOWNLOADED: { description: 'A guest downloaded a file (link or API); actor and subject: the guest.' },
  },
});

@ObjectType('AuditEvent', { implements: Node, description: "One entry of the organization's append-only audit log." })
export class AuditEvent extends Node {
  @Field(() => ID, { description: 'Opaque global ID.' })
  declare id: string;

  @Field(() => AuditAction, { description: 'What happened.' })
  action: AuditAction;

  @Field(() => Actor, { nullable: true, description: 'Who did it; null when the system did (an expiry).' })
  actor: Actor | null;

  @Field(() => Actor, { nullable: true, description: 'The member or guest it concerns, if any.' })
  subject: Actor | null;

  @Field(() => Conversation, { nullable: true, description: 'The conversation it happened in, if any.' })
  conversation: Conversation | null;

  @Field(() => Attachment, { nullable: true, description: 'The file concerned (a download), if any.' })
  attachment: Attachment | null;

  @Field(() => String, { nullable: true, description: 'Client address of the request that caused it (as TRUST_PROXY reads it), if any.' })
  ip: string | null;

  @Field(() => String, { nullable: true, description: 'User agent of the request that caused it, if any.' })
  userAgent: string | null;

  @Field({ description: 'When it happened (for an expiry: the expiresAt it reached).' })
  occurredAt: Date;
}

export const { EdgeType: AuditEventEdge, ConnectionType: AuditEventConnection } = connectionTypes('AuditEvent', AuditEvent, 'audit events');

@InputType('AuditEventFilter', { description: 'Every condition given must hold. `since` is inclusive, `until` exclusive.' })
export class AuditEventFilter {
  @Field(() => [AuditAction], { nullable: true, description: 'Any of these actions (an empty list matches nothing).' })
  actions?: AuditAction[] | null;

  @Field(() => ID, { nullable: true, description: 'Events done by this actor.' })
  actorId?: string | null;

  @Field(() => ID, { nullable: true, description: 'Events about this actor.' })
  subjectId?: string | null;

  @Field(() => ID, { nullable: true, description: 'Events in this conversation.' })
  conversationId?: string | null;

  @Field(() => Date, { nullable: true, description: 'Events at or after this moment.' })
  since?: Date | null;

  @Field(() => Date, { nullable: true, description: 'Events before this moment.' })
  until?: Date | null;
}
