import { Field, ID, InterfaceType } from 'type-graphql';
import { ActorEntity } from '../actor/actor.entity';
import { AttachmentEntity } from '../attachment/attachment.entity';
import { AuditEventEntity } from '../audit/audit.entity';
import { CommentEntity } from '../comment/comment.entity';
import { ConversationEntity } from '../conversation/conversation.entity';
import { OrganizationGuestSettings, OrganizationGuestUsage } from '../guest/guest-settings';
import { MessageEntity } from '../message/message.entity';
import { NotificationEntity } from '../notification/notification.entity';
import { OrganizationEntity } from '../organization/organization.entity';
import { TaskEntity } from '../task/task.entity';
import { TeamEntity } from '../team/team.entity';

/** The GraphQL type of an entity: what `Node` and `Actor` resolve to. */
export function graphqlTypeOf(value: unknown): string | undefined {
  if (value instanceof ActorEntity) return value.kind === 'GUEST' ? 'Guest' : 'User';
  if (value instanceof ConversationEntity) return 'Conversation';
  if (value instanceof CommentEntity) return 'Comment';
  if (value instanceof MessageEntity) return 'Message';
  if (value instanceof AttachmentEntity) return 'Attachment';
  if (value instanceof TaskEntity) return 'Task';
  if (value instanceof TeamEntity) return 'Team';
  if (value instanceof OrganizationEntity) return 'Organization';
  if (value instanceof AuditEventEntity) return 'AuditEvent';
  if (value instanceof OrganizationGuestSettings) return 'GuestSettings';
  if (value instanceof OrganizationGuestUsage) return 'GuestUsage';
  if (value instanceof NotificationEntity) return 'Notification';
  return undefined;
}

@InterfaceType('Node', { description: 'An object with a globally unique, opaque ID.', resolveType: graphqlTypeOf })
export abstract class Node {
  @Field(() => ID, { description: 'Opaque and global: `node(id)` finds the object again.' })
  id: string;
}
