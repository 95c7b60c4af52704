import type { DataSource } from 'typeorm';
import type { Viewer } from '../auth/viewer';

export class ActorService {
  constructor(private readonly dataSource: DataSource) {}

  /** Whether an actor is present (participant, guest, chat room member) in a conversation this guest can read. */
  async isPresentWithGuest(guest: Viewer, actorId: string): Promise<boolean> {
    const rows = await this.dataSource.query(
      `SELECT 1
         FROM guest_access mine
         JOIN conversations c ON c.id = mine.conversation_id
        WHERE mine.guest_id = $1
          AND (EXISTS (SELECT 1 FROM conversation_participants p WHERE p.conversation_id = c.id AND p.actor_id = $2)
            OR EXISTS (SELECT 1 FROM guest_access g WHERE g.conversation_id = c.id AND g.guest_id = $2))
        LIMIT 1`,
      [guest.actorId, actorId],
    );
    return rows.length > 0;
  }
}
