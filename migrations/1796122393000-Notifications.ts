import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * In-app notifications (SPEC §12): one row per recipient, written in the
 * transaction of its cause. `seq` orders a recipient's notifications in
 * commit order (it is taken under a per-recipient lock, see
 * NotificationService.create), which is what `notificationAdded(after:)`
 * resumes from. What a notification points to cascades: when it is gone, so
 * is the notification.
 */
export class Notifications1796122393000 implements MigrationInterface {
  name = 'Notifications1796122393000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE notifications (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        recipient_id uuid NOT NULL REFERENCES actors(id) ON DELETE CASCADE,
        reason text NOT NULL CHECK (reason IN ('MENTIONED', 'TASK_ASSIGNED', 'ADDED_TO_CONVERSATION', 'GUEST_JOINED')),
        actor_id uuid REFERENCES actors(id) ON DELETE SET NULL,
        conversation_id uuid REFERENCES conversations(id) ON DELETE CASCADE,
        comment_id uuid REFERENCES comments(id) ON DELETE CASCADE,
        task_id uuid REFERENCES tasks(id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL DEFAULT now(),
        read_at timestamptz,
        seq bigserial NOT NULL
      )`);
    // A recipient's list, newest first, and the live feed's "after seq", both from one index; unread ones from a smaller one.
    await q.query(`CREATE INDEX notifications_recipient ON notifications (recipient_id, seq)`);
    await q.query(`CREATE INDEX notifications_unread ON notifications (recipient_id, seq) WHERE read_at IS NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE notifications`);
  }
}
