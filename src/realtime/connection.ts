/**
 * The websocket an operation came over, as the rest of the server may touch
 * it: a subscription whose session ends closes its whole connection (4403),
 * since every other operation on it would fail too. The websocket server
 * builds one per connection and puts it in each operation's context.
 */
export interface LiveConnection {
  /** The session behind this connection ended (logged out, revoked, guests turned off). */
  endSession(): void;
}
