/**
 * Who is on the other end of a request, for rate limits and the audit trail.
 * Domain-neutral so that services can take it without seeing the GraphQL
 * context or HTTP.
 */
export interface Client {
  /** The client's address, as TRUST_PROXY says to read it. */
  readonly ip: string | null;
  readonly userAgent: string | null;
}

/** What an event caused by no request carries (an expiry noticed by a timer). */
export const NO_CLIENT: Client = Object.freeze({ ip: null, userAgent: null });
