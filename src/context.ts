import type { Viewer } from './auth/viewer';
import type { Client } from './client';
import type { Loaders } from './loaders';
import type { LiveConnection } from './realtime/connection';
import type { Scope } from './scope';
import type { Services } from './services';
import { unauthenticated } from './errors';

/**
 * One per HTTP request, per websocket operation and per subscription event,
 * built once and never changed: a subscription event runs with a context of
 * its own (the subscriber's current viewer, fresh loaders). The single
 * exception is by design: an operation that opens a session (`signUp`,
 * `logIn`, `acceptInvitation`) goes on as that session, so its own payload
 * (`viewer { email }`) reads as the new actor.
 */
export interface Context {
  readonly services: Services;
  readonly requestId: string;
  readonly client: Client;
  /** The websocket the operation came over; null over HTTP. */
  readonly connection: LiveConnection | null;
  /** Who is asking; null for an anonymous caller. */
  readonly viewer: Viewer | null;
  /** Batch loaders scoped to the viewer's organization: never shared across requests or events. */
  readonly loaders: Loaders;
  /** When the operation started (ms since the epoch): the links signed during it share one expiry, so `Attachment.url` and `urlExpiresAt` agree. */
  readonly startedAt: number;
  /** For `signUp`, `logIn` and `acceptInvitation` only: the rest of the operation runs as the session it just opened. */
  signIn(viewer: Viewer): void;
}

/**
 * Apollo hands resolvers a shallow copy of the context it was given, so the
 * identity lives in one object the copies share: a copy sees a sign-in too.
 */
class OperationContext implements Context {
  constructor(
    readonly services: Services,
    readonly requestId: string,
    readonly client: Client,
    readonly connection: LiveConnection | null,
    readonly startedAt: number,
    /** Loaders are made on first use: a subscription's operation context, kept as long as it is open, never loads anything (each event has its own). */
    private readonly identity: { viewer: Viewer | null; loaders: Loaders | null },
  ) {}

  get viewer(): Viewer | null {
    return this.identity.viewer;
  }

  get loaders(): Loaders {
    return (this.identity.loaders ??= this.services.loadersFor(this.identity.viewer));
  }

  signIn(viewer: Viewer): void {
    this.identity.viewer = viewer;
    this.identity.loaders = null;
  }
}

export function createContext(
  services: Services,
  viewer: Viewer | null,
  fields: { requestId: string; client: Client; connection?: LiveConnection | null },
): Context {
  return new OperationContext(services, fields.requestId, fields.client, fields.connection ?? null, Date.now(), { viewer, loaders: null });
}

/** The same operation as another viewer, with loaders of its own: what each subscription event runs as. */
export function contextAs(context: Context, viewer: Viewer): Context {
  return createContext(context.services, viewer, context);
}

/** The viewer and loaders of an operation that requires a logged-in caller (the resolver is `@Authorized`). */
export function scopeOf(context: Context): Scope {
  const { viewer, loaders } = context;
  if (!viewer) throw unauthenticated();
  return { viewer, loaders };
}
