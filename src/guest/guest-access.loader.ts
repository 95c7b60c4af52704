import DataLoader from 'dataloader';
import type { DataSource } from 'typeorm';
import { hydrate } from '../hydrate';
import { GuestAccessEntity } from './guest-access.entity';

/**
 * Each guest's live accesses, soonest expiry first, then oldest (how
 * `Guest.accesses` lists them): one statement per batch, never an expired one.
 */
export function createGuestAccessesLoader(dataSource: DataSource, organizationId: string | null) {
  return new DataLoader<string, GuestAccessEntity[]>(async (guestIds) => {
    const rows: Record<string, unknown>[] = await dataSource.query(
      `SELECT * FROM live_guest_access
        WHERE guest_id = ANY($1) AND organization_id = $2
        ORDER BY expires_at ASC NULLS LAST, seq`,
      [guestIds, organizationId],
    );
    const byGuest = new Map<string, GuestAccessEntity[]>();
    for (const row of rows) {
      const access = hydrate(dataSource, GuestAccessEntity, row);
      byGuest.set(access.guestId, [...(byGuest.get(access.guestId) ?? []), access]);
    }
    return guestIds.map((id) => byGuest.get(id) ?? []);
  });
}
