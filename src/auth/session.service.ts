import type { DataSource, EntityManager } from 'typeorm';
import type { Config } from '../config';
import { isUuid } from '../ids';
import { SessionEntity } from './session.entity';
import { hashToken, newToken } from './tokens';
import type { GuestAccessLevel } from '../guest/guest-access.entity';
import type { Viewer, ViewerAccess } from './viewer';
import type { Reader } from '../reads';

/** Members' viewers share one empty map: every live subscription holds a viewer. */
const NO_ACCESS: ReadonlyMap<string, ViewerAccess> = new Map();
/** The usual access (commenting, no end) is one shared object rather than one per guest and conversation. */
const COMMENT_UNTIL_REMOVED: ViewerAccess = Object.freeze({ level: 'COMMENT', expiresAt: null });
const SESSION_TTL_MS = 30 * 24 * 3600 * 1000;

interface SessionRow {
  session_id: string;
  actor_id: string;
  organization_id: string;
  kind: Viewer['kind'];
  role: Viewer['role'];
  guests_enabled: boolean;
  who_can_invite: Viewer['whoCanInvite'];
  /** A guest's live accesses: [conversation id, level, expiry in epoch milliseconds or null]. */
  guest_access: [string, GuestAccessLevel, number | null][] | null;
  /** Whether the guest has an expired access nobody has settled yet (deleted with its audit event). */
  guest_access_expired: boolean | null;
}

function accessMap(rows: SessionRow['guest_access']): ReadonlyMap<string, ViewerAccess> {
  if (!rows?.length) return NO_ACCESS;
  return new Map(
    rows.map(([conversationId, level, expiresAt]) => [
      conversationId,
      level === 'COMMENT' && expiresAt === null ? COMMENT_UNTIL_REMOVED : { level, expiresAt },
    ]),
  );
}

/** Settles a guest's expired accesses (deletes them and writes their audit events): see access-expiry.ts. */
export interface ExpiredAccessSettler {
  settleGuest(guestId: string): Promise<unknown>;
}

/** Server-side sessions: a bearer token is valid exactly while its row exists and its actor may log in. */
export class SessionService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly config: Pick<Config, 'sessionSecret'>,
    private readonly expiry: ExpiredAccessSettler,
    /** Every request starts with this lookup: a prepared statement on PostgreSQL. */
    private readonly reader: Reader,
  ) {}

  async create(actorId: string, manager: EntityManager = this.dataSource.manager): Promise<string> {
    const token = newToken('sd');
    await manager.insert(SessionEntity, {
      actorId,
      tokenHash: hashToken(this.config.sessionSecret, token),
      expiresAt: new Date(Date.now() + SESSION_TTL_MS),
    });
    return token;
  }

  /**
   * The viewer behind a token, or null, in one statement. A guest's session
   * counts only while the guest is ACTIVE and the organization has guests
   * enabled, and the guest's live accesses are read fresh: revocation, removal,
   * expiry, level changes and disabling guests take effect on the very next
   * request. A guest whose request finds an access of theirs expired settles
   * it (its audit event is written) before going on.
   */
  async authenticate(token: string): Promise<Viewer | null> {
    if (!token || token.length > 200) return null;
    const [found] = await this.viewersWhere('s.token_hash = $1', hashToken(this.config.sessionSecret, token));
    if (!found) return null;
    if (found.accessExpired) await this.expiry.settleGuest(found.viewer.actorId);
    return found.viewer;
  }

  /**
   * The viewer of a live session by its id (not a credential): what a
   * capability minted for that session, such as a signed attachment link,
   * acts as when it is used. Same rules as `authenticate`.
   */
  async viewerOfSession(sessionId: string): Promise<Viewer | null> {
    if (!isUuid(sessionId)) return null;
    const [found] = await this.viewersWhere('s.id = ANY($1)', [sessionId]);
    if (!found) return null;
    if (found.accessExpired) await this.expiry.settleGuest(found.viewer.actorId);
    return found.viewer;
  }

  /**
   * The current viewer of each session that is still alive, like
   * `authenticate` but by session id and for many sessions in one statement:
   * how live subscriptions are re-authorized on every event.
   */
  async viewersOf(sessionIds: readonly string[]): Promise<Map<string, Viewer>> {
    if (sessionIds.length === 0) return new Map();
    const found = await this.viewersWhere('s.id = ANY($1)', sessionIds);
    return new Map(found.map(({ viewer }) => [viewer.sessionId, viewer]));
  }

  /**
   * The one query behind every way of finding a viewer, so the rules for a
   * live session are written once. A guest's accesses are read from the table
   * itself, not the live view, to learn in the same statement whether one has
   * expired unsettled.
   */
  private async viewersWhere(
    condition: 's.token_hash = $1' | 's.id = ANY($1)',
    value: unknown,
  ): Promise<{ viewer: Viewer; accessExpired: boolean }[]> {
    const rows = await this.reader.query<SessionRow>(
      `SELECT s.id AS session_id, a.id AS actor_id, a.organization_id, a.kind, a.role,
              o.guests_enabled, o.who_can_invite, g.guest_access, g.guest_access_expired
         FROM sessions s
         JOIN actors a ON a.id = s.actor_id
         JOIN organizations o ON o.id = a.organization_id
         LEFT JOIN LATERAL (
           SELECT json_agg(json_build_array(ga.conversation_id, ga.level, floor(extract(epoch FROM ga.expires_at) * 1000)))
                    FILTER (WHERE ga.expires_at IS NULL OR ga.expires_at > now()) AS guest_access,
                  bool_or(ga.expires_at <= now()) AS guest_access_expired
             FROM guest_access ga
            WHERE ga.guest_id = a.id AND a.kind = 'GUEST'
         ) g ON true
        WHERE ${condition}
          AND s.expires_at > now()
          AND a.status = 'ACTIVE'
          AND (a.kind = 'MEMBER' OR o.guests_enabled)`,
      [value],
    );
    return rows.map((row) => ({
      viewer: {
        sessionId: row.session_id,
        actorId: row.actor_id,
        organizationId: row.organization_id,
        kind: row.kind,
        role: row.role,
        guestsEnabled: row.guests_enabled,
        whoCanInvite: row.who_can_invite,
        guestAccess: accessMap(row.guest_access),
      },
      accessExpired: row.guest_access_expired === true,
    }));
  }

  async revoke(sessionId: string): Promise<void> {
    await this.dataSource.manager.delete(SessionEntity, { id: sessionId });
  }

  async revokeAllOf(actorId: string, manager: EntityManager = this.dataSource.manager): Promise<void> {
    await manager.delete(SessionEntity, { actorId });
  }
}
