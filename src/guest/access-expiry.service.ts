import type { DataSource, EntityManager } from 'typeorm';
import type { AuditService } from '../audit/audit.service';

/** Which expired accesses to settle: one guest's, one conversation's or a whole organization's. */
type ExpiryScope = { guestId: string } | { conversationId: string } | { organizationId: string };

export interface ExpiredAccess {
  organizationId: string;
  guestId: string;
  conversationId: string;
  expiresAt: Date;
}

const COLUMN = { guestId: 'guest_id', conversationId: 'conversation_id', organizationId: 'organization_id' } as const;

/**
 * Expiry is enforced at read time: an access past `expires_at` counts for
 * nothing from that instant, because every read goes through the
 * `live_guest_access` view. What remains is bookkeeping: deleting the row and
 * writing its GUEST_ACCESS_EXPIRED event, in one transaction, by whoever
 * notices first (a feed's timer, the guest's next request, a mutation on the
 * access, the audit log about to be read). The DELETE hands each row to one
 * transaction only, and the event's unique index (guest, conversation, expiry)
 * makes a second insert do nothing, so each expired access has one event.
 */
export class AccessExpiryService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: Pick<AuditService, 'record'>,
  ) {}

  /**
   * Settles the expired accesses of a scope inside the caller's transaction
   * (so a mutation sees the slots they held as free), or in one of its own.
   * The event's time is the expiry, not the moment it was noticed.
   */
  async settle(manager: EntityManager | null, scope: ExpiryScope): Promise<ExpiredAccess[]> {
    if (!manager) return this.dataSource.transaction((own) => this.settle(own, scope));
    const [key, value] = Object.entries(scope)[0] as [keyof typeof COLUMN, string];
    // The expiry as text too: the event's time must be exactly it, to the microsecond, for the unique index to match.
    const rows: { organization_id: string; guest_id: string; conversation_id: string; expires_at: Date; expires_text: string }[] =
      await manager.query(
        `WITH gone AS (DELETE FROM guest_access WHERE ${COLUMN[key]} = $1 AND expires_at <= now()
                       RETURNING organization_id, guest_id, conversation_id, expires_at)
         SELECT *, expires_at::text AS expires_text FROM gone`,
        [value],
      );
    await this.audit.record(
      manager,
      rows.map((row) => ({
        organizationId: row.organization_id,
        action: 'GUEST_ACCESS_EXPIRED' as const,
        actorId: null,
        subjectId: row.guest_id,
        conversationId: row.conversation_id,
        occurredAt: row.expires_text,
      })),
    );
    return rows.map((row) => ({
      organizationId: row.organization_id,
      guestId: row.guest_id,
      conversationId: row.conversation_id,
      expiresAt: new Date(row.expires_at),
    }));
  }

  /** A guest's request found one of their accesses expired. */
  settleGuest(guestId: string): Promise<ExpiredAccess[]> {
    return this.settle(null, { guestId });
  }

  /** A feed's timer went off at the earliest expiry among its subscribers. */
  settleConversation(conversationId: string): Promise<ExpiredAccess[]> {
    return this.settle(null, { conversationId });
  }

  /** Before the audit log is read: one indexed look, and a transaction only when something is due. */
  async settleOrganization(organizationId: string): Promise<ExpiredAccess[]> {
    const [due] = await this.dataSource.query(
      `SELECT 1 FROM guest_access WHERE organization_id = $1 AND expires_at <= now() LIMIT 1`,
      [organizationId],
    );
    return due ? this.settle(null, { organizationId }) : [];
  }
}
