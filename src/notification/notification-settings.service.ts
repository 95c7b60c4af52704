import { In, type DataSource, type EntityManager } from 'typeorm';
import type { Viewer } from '../auth/viewer';
import { NotificationSettingsEntity, type EmailNotifications } from './notification-settings.entity';

/** What an actor who never changed their settings gets. */
export const DEFAULT_EMAIL_NOTIFICATIONS: EmailNotifications = 'ALL';

/** An actor's notification settings as the API shows them. */
export interface NotificationSettings {
  email: EmailNotifications;
}

/**
 * Notification settings by actor id. Callers decide who may read or change
 * whose: the signed unsubscribe link names its actor; the API only ever the viewer's own.
 */
export class NotificationSettingsService {
  constructor(private readonly dataSource: DataSource) {}

  /** The email setting of each actor, ALL for those without a row. */
  async emailSettings(actorIds: readonly string[], manager: EntityManager = this.dataSource.manager): Promise<Map<string, EmailNotifications>> {
    const rows = actorIds.length === 0 ? [] : await manager.findBy(NotificationSettingsEntity, { actorId: In([...actorIds]) });
    const settings = new Map(actorIds.map((id) => [id, DEFAULT_EMAIL_NOTIFICATIONS]));
    for (const row of rows) settings.set(row.actorId, row.email);
    return settings;
  }

  /** Sets an actor's email setting; false when no such actor exists (any more). */
  async setEmail(actorId: string, email: EmailNotifications, manager: EntityManager = this.dataSource.manager): Promise<boolean> {
    const rows: unknown[] = await manager.query(
      `WITH actor AS (SELECT id FROM actors WHERE id = $1)
       INSERT INTO notification_settings (actor_id, email) SELECT id, $2 FROM actor
       ON CONFLICT (actor_id) DO UPDATE SET email = EXCLUDED.email, updated_at = now()
       RETURNING actor_id`,
      [actorId, email],
    );
    return rows.length > 0;
  }

  /** The viewer's own settings (every actor, member or guest, has them). */
  async ofViewer(viewer: Viewer): Promise<NotificationSettings> {
    const settings = await this.emailSettings([viewer.actorId]);
    return { email: settings.get(viewer.actorId)! };
  }

  /** Changes the viewer's own settings; what they are afterwards. */
  async updateForViewer(viewer: Viewer, input: NotificationSettings): Promise<NotificationSettings> {
    await this.setEmail(viewer.actorId, input.email);
    return { email: input.email };
  }
}
