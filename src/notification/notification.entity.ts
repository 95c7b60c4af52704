import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** Why someone was notified (SPEC §12; the GraphQL enum `NotificationReason`, registered in notification.type.ts). */
export const NotificationReason = {
  MENTIONED: 'MENTIONED',
  TASK_ASSIGNED: 'TASK_ASSIGNED',
  ADDED_TO_CONVERSATION: 'ADDED_TO_CONVERSATION',
  GUEST_JOINED: 'GUEST_JOINED',
} as const;
export type NotificationReason = (typeof NotificationReason)[keyof typeof NotificationReason];

/** One notification of one recipient, written in the transaction of its cause. */
@Entity('notifications')
export class NotificationEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('uuid', { name: 'organization_id' })
  organizationId: string;

  @Column('uuid', { name: 'recipient_id' })
  recipientId: string;

  @Column('text')
  reason: NotificationReason;

  /** Who caused it; null once that actor is gone. */
  @Column('uuid', { name: 'actor_id', nullable: true })
  actorId: string | null;

  @Column('uuid', { name: 'conversation_id', nullable: true })
  conversationId: string | null;

  @Column('uuid', { name: 'comment_id', nullable: true })
  commentId: string | null;

  @Column('uuid', { name: 'task_id', nullable: true })
  taskId: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column('timestamptz', { name: 'read_at', nullable: true })
  readAt: Date | null;

  /** Taken under the recipient's lock: a recipient's notifications in seq order are in commit order. */
  @Column({ type: 'bigint', insert: false, update: false })
  seq: string;
}
