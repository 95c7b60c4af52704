import DataLoader from 'dataloader';
import type { DataSource } from 'typeorm';
import { ConversationEntity } from '../conversation/conversation.entity';
import { hydrate } from '../hydrate';

/** The conversations each guest has access to now, in order of being granted: one statement per batch. */
export function createGuestConversationsLoader(dataSource: DataSource, organizationId: string | null) {
  return new DataLoader<string, ConversationEntity[]>(async (guestIds) => {
    const rows: Record<string, any>[] = await dataSource.query(
      `SELECT g.guest_id AS guest_id_, c.*
         FROM live_guest_access g JOIN conversations c ON c.id = g.conversation_id
        WHERE g.guest_id = ANY($1) AND g.organization_id = $2
        ORDER BY g.seq`,
      [guestIds, organizationId],
    );
    const byGuest = new Map<string, ConversationEntity[]>();
    for (const row of rows) {
      const list = byGuest.get(row.guest_id_) ?? [];
      list.push(hydrate(dataSource, ConversationEntity, row));
      byGuest.set(row.guest_id_, list);
    }
    return guestIds.map((id) => byGuest.get(id) ?? []);
  });
}
