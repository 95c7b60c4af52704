import { Field, ID, InputType, ObjectType, registerEnumType } from 'type-graphql';
import { Actor } from '../actor/actor.type';
import { Attachment } from '../attachment/attachment.type';
import { Conversation } from '../conversation/conversation.type';
import { Node } from '../node/node.type';
import { connectionTypes } from '../pagination.type';
import { AuditAction } from './audit.entity';

registerEnumType(AuditAction, { name: 'AuditAction', description: 'What an audit event records (SPEC §11).' });

@ObjectType('AuditEvent', { implements: Node, description: "One entry of the organization's append-only audit log." })
export class AuditEvent extends Node {
  @Field(() => ID)
  declare id: string;

  @Field(() => AuditAction)
  action: AuditAction;

  @Field(() => Actor, { nullable: true, description: 'Who did it; null when the system did (an expiry).' })
  actor: Actor | null;

  @Field(() => Actor, { nullable: true, description: 'The member or guest it concerns, if any.' })
  subject: Actor | null;

  @Field(() => Conversation, { nullable: true })
  conversation: Conversation | null;

  @Field(() => Attachment, { nullable: true })
  attachment: Attachment | null;

  @Field(() => String, { nullable: true, description: 'Client address and user agent of the request that caused it, if any.' })
  ip: string | null;

  @Field(() => String, { nullable: true })
  userAgent: string | null;

  @Field()
  occurredAt: Date;
}

export const { EdgeType: AuditEventEdge, ConnectionType: AuditEventConnection } = connectionTypes('AuditEvent', AuditEvent);

@InputType('AuditEventFilter', { description: 'Every condition given must hold. `since` is inclusive, `until` exclusive.' })
export class AuditEventFilter {
  @Field(() => [AuditAction], { nullable: true, description: 'Any of these actions (an empty list matches nothing).' })
  actions?: AuditAction[] | null;

  @Field(() => ID, { nullable: true, description: 'Events done by this actor.' })
  actorId?: string | null;

  @Field(() => ID, { nullable: true, description: 'Events about this actor.' })
  subjectId?: string | null;

  @Field(() => ID, { nullable: true })
  conversationId?: string | null;

  @Field(() => Date, { nullable: true })
  since?: Date | null;

  @Field(() => Date, { nullable: true })
  until?: Date | null;
}
