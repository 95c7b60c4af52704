/**
 * What the domain tells the real-time layer, always after the transaction
 * committed. Implementations never throw: a failed publish is logged, and
 * PostgreSQL stays the truth that subscribers catch up from.
 */
export interface DomainEvents {
  /** A comment was committed in a conversation. */
  commentAdded(event: { conversationId: string; commentId: string; seq: string }): Promise<void>;
  /** Guests lost (or gained) access to these conversations: removal, allowGuests false. */
  accessChanged(event: { organizationId: string; conversationIds: string[] }): Promise<void>;
  /**
   * Sessions ended or were suspended: logOut, revokeGuest, guests disabled.
   * Without actorIds, every guest session of the organization is concerned.
   */
  sessionsChanged(event: { organizationId: string; actorIds?: string[] }): Promise<void>;
  /** Notifications were committed for these recipients. */
  notificationsAdded(event: { organizationId: string; recipientIds: string[] }): Promise<void>;
}
