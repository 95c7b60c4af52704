import type { DataSource, EntityManager } from 'typeorm';
import type { Config } from '../config';
import { isUuid } from '../ids';
import { SessionEntity } from './session.entity';
import { hashToken, newToken } from './tokens';
import type { Viewer } from './viewer';

/** Members' viewers share one empty set: every live subscription holds a viewer. */
const NO_CONVERSATIONS: ReadonlySet<string> = new Set();
const SESSION_TTL_MS = 30 * 24 * 3600 * 1000;

interface SessionRow {
  session_id: string;
  actor_id: string;
  organization_id: string;
  kind: Viewer['kind'];
  role: Viewer['role'];
  guests_enabled: boolean;
  who_can_invite: Viewer['whoCanInvite'];
  guest_conversation_ids: string[] | null;
}

/** Server-side sessions: a bearer token is valid exactly while its row exists and its actor may log in. */
export class SessionService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly config: Pick<Config, 'sessionSecret'>,
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
   * enabled, and the guest's conversations are read fresh: revocation, removal
   * and disabling guests take effect on the very next request.
   */
  async authenticate(token: string): Promise<Viewer | null> {
    if (!token || token.length > 200) return null;
    const [viewer] = await this.viewersWhere('s.token_hash = $1', hashToken(this.config.sessionSecret, token));
    return viewer ?? null;
  }

  /**
   * The viewer of a live session by its id (not a credential): what a
   * capability minted for that session, such as a signed attachment link,
   * acts as when it is used. Same rules as `authenticate`.
   */
  async viewerOfSession(sessionId: string): Promise<Viewer | null> {
    if (!isUuid(sessionId)) return null;
    return (await this.viewersOf([sessionId])).get(sessionId) ?? null;
  }

  /**
   * The current viewer of each session that is still alive, like
   * `authenticate` but by session id and for many sessions in one statement:
   * how live subscriptions are re-authorized on every event.
   */
  async viewersOf(sessionIds: readonly string[]): Promise<Map<string, Viewer>> {
    if (sessionIds.length === 0) return new Map();
    const viewers = await this.viewersWhere('s.id = ANY($1)', sessionIds);
    return new Map(viewers.map((viewer) => [viewer.sessionId, viewer]));
  }

  /** The one query behind every way of finding a viewer, so the rules for a live session are written once. */
  private async viewersWhere(condition: 's.token_hash = $1' | 's.id = ANY($1)', value: unknown): Promise<Viewer[]> {
    const rows: SessionRow[] = await this.dataSource.query(
      `SELECT s.id AS session_id, a.id AS actor_id, a.organization_id, a.kind, a.role,
              o.guests_enabled, o.who_can_invite,
              CASE WHEN a.kind = 'GUEST'
                   THEN ARRAY(SELECT ga.conversation_id FROM guest_access ga WHERE ga.guest_id = a.id)
              END AS guest_conversation_ids
         FROM sessions s
         JOIN actors a ON a.id = s.actor_id
         JOIN organizations o ON o.id = a.organization_id
        WHERE ${condition}
          AND s.expires_at > now()
          AND a.status = 'ACTIVE'
          AND (a.kind = 'MEMBER' OR o.guests_enabled)`,
      [value],
    );
    return rows.map((row) => ({
      sessionId: row.session_id,
      actorId: row.actor_id,
      organizationId: row.organization_id,
      kind: row.kind,
      role: row.role,
      guestsEnabled: row.guests_enabled,
      whoCanInvite: row.who_can_invite,
      guestConversationIds: row.guest_conversation_ids?.length ? new Set(row.guest_conversation_ids) : NO_CONVERSATIONS,
    }));
  }

  async revoke(sessionId: string): Promise<void> {
    await this.dataSource.manager.delete(SessionEntity, { id: sessionId });
  }

  async revokeAllOf(actorId: string, manager: EntityManager = this.dataSource.manager): Promise<void> {
    await manager.delete(SessionEntity, { actorId });
  }
}
