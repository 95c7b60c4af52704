import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** SPEC §12: which notifications an actor also gets by email. */
export const EMAIL_NOTIFICATIONS = ['ALL', 'MENTIONS', 'NONE'] as const;
export type EmailNotifications = (typeof EMAIL_NOTIFICATIONS)[number];

/**
 * An actor's notification settings, once they changed one (no row: the
 * defaults). A table of its own rather than columns on actors: defaults need
 * no backfill, and per-reason settings can join later without widening actors.
 */
@Entity('notification_settings')
export class NotificationSettingsEntity {
  @PrimaryColumn('uuid', { name: 'actor_id' })
  actorId: string;

  @Column('text')
  email: EmailNotifications;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
