import { Column, Entity, PrimaryColumn } from 'typeorm';

/** How much a guest may do in one conversation (the GraphQL enum `GuestAccessLevel`, registered in guest-access.type.ts). */
export const GuestAccessLevel = { COMMENT: 'COMMENT', READ: 'READ' } as const;
export type GuestAccessLevel = (typeof GuestAccessLevel)[keyof typeof GuestAccessLevel];

/**
 * One guest's access to one conversation. Removing access deletes the row; an
 * access past `expiresAt` counts for nothing from that instant (every read
 * goes through the `live_guest_access` view) and its row is deleted, with its
 * GUEST_ACCESS_EXPIRED event, by whoever notices it first (see access-expiry.ts).
 */
@Entity('guest_access')
export class GuestAccessEntity {
  @PrimaryColumn('uuid', { name: 'conversation_id' })
  conversationId: string;

  @PrimaryColumn('uuid', { name: 'guest_id' })
  guestId: string;

  @Column('uuid', { name: 'organization_id' })
  organizationId: string;

  @Column('text', { default: GuestAccessLevel.COMMENT })
  level: GuestAccessLevel;

  @Column('timestamptz', { name: 'expires_at', nullable: true })
  expiresAt: Date | null;

  @Column('uuid', { name: 'granted_by_id', nullable: true })
  grantedById: string | null;

  @Column('timestamptz', { name: 'granted_at' })
  grantedAt: Date;

  @Column({ type: 'bigint', insert: false, update: false })
  seq: string;
}
