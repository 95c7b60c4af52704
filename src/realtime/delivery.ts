import type { Viewer } from '../auth/viewer';
import type { LoadedComment } from '../comment/comment.loader';
import type { ConversationEntity } from '../conversation/conversation.entity';
import { badInput, type DomainError } from '../errors';
import type { LoadedNotification } from '../notification/notification.loader';
import type { LiveConnection } from './connection';
import type { DeliveryQueue } from './delivery-queue';

/**
 * What a subscription yields: an event to run the subscriber's selection on,
 * as that subscriber's current viewer (with what the feed already read, so
 * the selection needs no query of its own), or the reason the subscription
 * ends.
 */
export type Delivery =
  | { kind: 'comment'; comment: LoadedComment; viewer: Viewer; conversation: ConversationEntity }
  | { kind: 'notification'; notification: LoadedNotification; viewer: Viewer }
  | { kind: 'denied'; error: DomainError };

/** One subscription, as the feed serving it keeps it. */
export interface FeedSubscriber {
  readonly sessionId: string;
  readonly actorId: string;
  /** Refreshed at every re-authorization, so each event runs with current permissions. */
  viewer: Viewer;
  /** The last sequence queued for this subscriber; null until it has joined. */
  cursor: bigint | null;
  /** Live events that arrive while the subscriber's catch-up is being read, sent right after it. */
  held: Delivery[] | null;
  readonly queue: DeliveryQueue<Delivery>;
  readonly connection: LiveConnection;
}

/** Over HTTP graphql-js runs a subscription field once, with no event: that is a client using the wrong transport. */
export const overWebsocketsOnly = () =>
  badInput('Subscriptions are served over websockets: connect to /graphql with the graphql-transport-ws protocol.');
