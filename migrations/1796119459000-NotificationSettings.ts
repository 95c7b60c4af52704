import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Notification settings (SPEC §12), one row per actor who changed theirs; no
 * row means the defaults (email: ALL). The one-click unsubscribe link of
 * every email sets `email` to NONE.
 */
export class NotificationSettings1796119459000 implements MigrationInterface {
  name = 'NotificationSettings1796119459000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE notification_settings (
        actor_id uuid PRIMARY KEY REFERENCES actors(id) ON DELETE CASCADE,
        email text NOT NULL DEFAULT 'ALL' CHECK (email IN ('ALL', 'MENTIONS', 'NONE')),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE notification_settings`);
  }
}
