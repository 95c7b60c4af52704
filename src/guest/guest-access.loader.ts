import DataLoader from 'dataloader';
import type { DataSource } from 'typeorm';
import { appendTo, hydrate, jsonObjectOf, sqlOnce } from '../hydrate';
import type { ReadBatch } from '../reads';
import { GuestAccessEntity } from './guest-access.entity';

/**
 * Each guest's live accesses, soonest expiry first, then oldest (how
 * `Guest.accesses` lists them): one statement per batch, never an expired one.
 */
export function createGuestAccessesLoader(dataSource: DataSource, reads: ReadBatch, organizationId: string | null) {
  const sql = sqlOnce('guest-accesses', () =>
    `
    SELECT coalesce(json_agg(${jsonObjectOf(dataSource, GuestAccessEntity, 'g')} ORDER BY g.expires_at ASC NULLS LAST, g.seq), '[]')
      FROM live_guest_access g
     WHERE g.guest_id = ANY($1::uuid[]) AND g.organization_id = $2::uuid`,
  );
  return new DataLoader<string, GuestAccessEntity[]>(async (guestIds) => {
    const rows = organizationId ? await reads.value<Record<string, unknown>[]>(sql, [guestIds, organizationId]) : [];
    const byGuest = new Map<string, GuestAccessEntity[]>();
    for (const row of rows) {
      const access = hydrate(dataSource, GuestAccessEntity, row);
      appendTo(byGuest, access.guestId, access);
    }
    return guestIds.map((id) => byGuest.get(id) ?? []);
  });
}
