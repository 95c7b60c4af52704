import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** What an audit event records (SPEC §11; the GraphQL enum `AuditAction`, registered in audit.type.ts). */
export const AuditAction = {
  GUEST_INVITED: 'GUEST_INVITED',
  GUEST_JOINED: 'GUEST_JOINED',
  GUEST_ADDED: 'GUEST_ADDED',
  GUEST_ACCESS_CHANGED: 'GUEST_ACCESS_CHANGED',
  GUEST_REMOVED: 'GUEST_REMOVED',
  GUEST_LEFT: 'GUEST_LEFT',
  GUEST_ACCESS_EXPIRED: 'GUEST_ACCESS_EXPIRED',
  GUEST_REVOKED: 'GUEST_REVOKED',
  GUEST_SETTINGS_CHANGED: 'GUEST_SETTINGS_CHANGED',
  CONVERSATION_GUESTS_CHANGED: 'CONVERSATION_GUESTS_CHANGED',
  MEMBER_INVITED: 'MEMBER_INVITED',
  MEMBER_JOINED: 'MEMBER_JOINED',
  LOGIN_SUCCEEDED: 'LOGIN_SUCCEEDED',
  LOGIN_FAILED: 'LOGIN_FAILED',
  ATTACHMENT_DOWNLOADED: 'ATTACHMENT_DOWNLOADED',
} as const;
export type AuditAction = (typeof AuditAction)[keyof typeof AuditAction];

/**
 * One entry of an organization's append-only audit log. PostgreSQL refuses
 * UPDATE, DELETE and TRUNCATE on the table (a trigger, see the migration), and
 * it has no foreign keys: an event outlives the actor, conversation or file it names.
 */
@Entity('audit_events')
export class AuditEventEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('uuid', { name: 'organization_id' })
  organizationId: string;

  @Column('text')
  action: AuditAction;

  /** Null when the system did it (an expiry). */
  @Column('uuid', { name: 'actor_id', nullable: true })
  actorId: string | null;

  @Column('uuid', { name: 'subject_id', nullable: true })
  subjectId: string | null;

  @Column('uuid', { name: 'conversation_id', nullable: true })
  conversationId: string | null;

  @Column('uuid', { name: 'attachment_id', nullable: true })
  attachmentId: string | null;

  @Column('text', { nullable: true })
  ip: string | null;

  @Column('text', { name: 'user_agent', nullable: true })
  userAgent: string | null;

  /** What the API does not show yet but an investigation wants: an invited member's email, the old and new level. */
  @Column('jsonb', { nullable: true })
  details: Record<string, unknown> | null;

  @Column('timestamptz', { name: 'occurred_at' })
  occurredAt: Date;
}
