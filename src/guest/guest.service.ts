import type { DataSource, EntityManager } from 'typeorm';
import { ActorEntity } from '../actor/actor.entity';
import type { AuditService } from '../audit/audit.service';
import type { SessionService } from '../auth/session.service';
import type { Viewer } from '../auth/viewer';
import { NO_CLIENT, type Client } from '../client';
import type { Config } from '../config';
import { ConversationEntity } from '../conversation/conversation.entity';
import { conversationPolicy } from '../conversation/conversation.policy';
import { guestNotAllowed } from '../conversation/conversation.service';
import { badInput, DomainError, ErrorCode, forbidden, notFound } from '../errors';
import { hydrate } from '../hydrate';
import { decodeId } from '../ids';
import type { InvitationService } from '../invitation/invitation.service';
import { renderInvitationEmail } from '../mail/invitation.email';
import type { MailService } from '../mail/mail.service';
import type { Notified, NotificationService } from '../notification/notification.service';
import { OrganizationEntity, type GuestInviters } from '../organization/organization.entity';
import type { DomainEvents } from '../realtime/events';
import type { RateLimitService } from '../security/rate-limit.service';
import type { Scope } from '../scope';
import * as validate from '../validation';
import type { AccessExpiryService } from './access-expiry.service';
import { GuestAccessEntity, type GuestAccessLevel } from './guest-access.entity';
import { OrganizationGuestSettings, OrganizationGuestUsage } from './guest-settings';
import { guestPolicy } from './guest.policy';

/** How a new access is granted: its level, and its end (null: none). */
interface AccessTerms {
  level: GuestAccessLevel;
  expiresAt: Date | null;
}

const DAY_MS = 24 * 3600 * 1000;
/** The range of `defaultAccessDays` (SPEC §11). */
const MAX_DEFAULT_ACCESS_DAYS = 365;

export interface GuestInvitation {
  guest: ActorEntity;
  invitationUrl: string | null;
}

/**
 * What a guest invited without a name is called until they accept and give
 * one. Never derived from their email: other guests of the conversation see
 * this name, and must not learn the address from it.
 */
export const UNNAMED_GUEST = 'Invited guest';

const guestLimitReached = (limit: number) =>
  new DomainError(
    ErrorCode.GUEST_LIMIT_REACHED,
    `Your organization has reached its limit of ${limit} guests (guests per member × members). Revoke a guest or add members first.`,
    { limit },
  );

const conversationLimitReached = (limit: number) =>
  new DomainError(
    ErrorCode.GUEST_CONVERSATION_LIMIT_REACHED,
    `This guest already has access to ${limit} conversations, the most a guest may have at once. Remove them from one first.`,
    { limit },
  );

/**
 * Guests: invitations, access to conversations, revocation, settings. Every
 * limit is checked and applied in one transaction that holds the
 * organization's row lock (organization limit) and the guest's row lock
 * (per-guest limit), so concurrent requests can never overshoot.
 */
export class GuestService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly config: Pick<Config, 'guestsPerMember' | 'conversationsPerGuest'>,
    private readonly invitations: InvitationService,
    private readonly sessions: SessionService,
    private readonly rateLimits: RateLimitService,
    private readonly events: DomainEvents,
    private readonly audit: AuditService,
    private readonly expiry: AccessExpiryService,
    private readonly notices: { mail: MailService; notifications: NotificationService },
  ) {}

  /** How many conversations a guest may have access to at once (CONVERSATIONS_PER_GUEST). */
  get conversationLimit(): number {
    return this.config.conversationsPerGuest;
  }

  /**
   * A new guest (or a revoked one invited again) gets a link; an INVITED one a
   * fresh link; an ACTIVE one simply one more conversation (and an
   * ADDED_TO_CONVERSATION notification). The access is granted at `level`
   * until `expiresAt` (omitted: the organization's default expiry, if any);
   * an access the guest already has is left as it is (`updateGuestAccess`
   * changes it).
   *
   * A link is emailed to the guest in the same transaction. With SMTP it
   * reaches only their inbox (`invitationUrl: null`): whoever holds it sets
   * the account's password. Without it (development) the email lands in the
   * outbox folder and the inviter gets the link to pass on.
   */
  async invite(
    viewer: Viewer,
    input: { conversationId: string; email: string; name?: string | null; level?: GuestAccessLevel | null; expiresAt?: Date | null },
    client: Client = NO_CLIENT,
  ): Promise<GuestInvitation> {
    this.assertCanManage(viewer);
    const conversationId = decodeId(input.conversationId, 'Conversation');
    const email = validate.email(input.email);
    const name = validate.optionalText(input.name, 'name') ?? null;
    const expiresAt = input.expiresAt == null ? null : validate.futureDate(input.expiresAt, 'expiresAt');
    await this.rateLimits.consume('invitation', viewer.actorId);

    const { invitation, notified } = await this.dataSource.transaction(async (manager) => {
      const organization = await this.lockOrganization(manager, viewer);
      const conversation = await this.conversationTakingGuests(manager, viewer, conversationId);
      const member = await manager
        .createQueryBuilder(ActorEntity, 'a')
        .where(`a.organization_id = :org AND a.kind = 'MEMBER' AND lower(a.email) = :email`, { org: organization.id, email })
        .getExists();
      if (member) throw badInput('This email belongs to a member of your organization: members already see every conversation.', 'email');

      let guest = await manager
        .createQueryBuilder(ActorEntity, 'a')
        .setLock('for_no_key_update')
        .where(`a.organization_id = :org AND a.kind = 'GUEST' AND lower(a.email) = :email`, { org: organization.id, email })
        .getOne();

      if (!guest || guest.status === 'REVOKED') await this.assertUnderOrganizationLimit(manager, organization.id);
      if (!guest) {
        guest = await manager.save(
          manager.create(ActorEntity, {
            organizationId: organization.id,
            kind: 'GUEST',
            role: null,
            status: 'INVITED',
            email,
            name: name ?? UNNAMED_GUEST,
            invitedById: viewer.actorId,
          }),
        );
      } else if (guest.status === 'REVOKED') {
        guest.status = 'INVITED';
        guest.invitedById = viewer.actorId;
        if (name) guest.name = name;
        await manager.update(ActorEntity, { id: guest.id }, { status: 'INVITED', invitedById: viewer.actorId, name: guest.name });
      }
      const granted = await this.grant(manager, viewer, guest, conversation, {
        level: input.level ?? 'COMMENT',
        expiresAt: expiresAt ?? this.defaultExpiry(organization),
      });
      const event = { organizationId: organization.id, actorId: viewer.actorId, subjectId: guest.id, conversationId: conversation.id, client };

      if (guest.status === 'ACTIVE') {
        if (!granted) return { invitation: { guest, invitationUrl: null }, notified: null };
        await this.audit.record(manager, { ...event, action: 'GUEST_ADDED' });
        return { invitation: { guest, invitationUrl: null }, notified: await this.notifyAdded(manager, viewer, guest, conversation) };
      }
      const issued = await this.invitations.issue(manager, {
        organizationId: organization.id,
        kind: 'GUEST',
        email,
        guestId: guest.id,
        invitedById: viewer.actorId,
      });
      await this.audit.record(manager, { ...event, action: 'GUEST_INVITED' });
      // Their invitation is an INVITED guest's notice of the conversation: they have no session to see a notification in.
      const [inviter] = await manager.query(`SELECT name FROM actors WHERE id = $1`, [viewer.actorId]);
      await this.notices.mail.enqueue(
        manager,
        renderInvitationEmail({
          invitationId: issued.id,
          to: { address: email, name, actorId: guest.id },
          inviterName: inviter.name,
          organizationName: organization.name,
          conversationSubject: conversation.subject ?? '(no subject)',
          invitationUrl: issued.invitationUrl,
          expiresAt: issued.expiresAt,
        }),
      );
      return { invitation: { guest, invitationUrl: this.notices.mail.reachesInboxes ? null : issued.invitationUrl }, notified: null };
    });
    if (notified) await this.notices.notifications.announce(notified);
    return invitation;
  }

  /** With the COMMENT level and the organization's default expiry, if any. */
  async addToConversation(viewer: Viewer, input: { guestId: string; conversationId: string }, client: Client = NO_CLIENT): Promise<ActorEntity> {
    this.assertCanManage(viewer);
    const guestId = decodeId(input.guestId, 'Guest');
    const conversationId = decodeId(input.conversationId, 'Conversation');
    const { guest, notified } = await this.dataSource.transaction(async (manager) => {
      const organization = await this.lockOrganization(manager, viewer);
      const guest = await this.lockGuest(manager, viewer, guestId);
      const conversation = await this.conversationTakingGuests(manager, viewer, conversationId);
      if (guest.status === 'REVOKED') {
        throw badInput('This guest was revoked: invite them again with inviteGuest to give them access.', 'guestId');
      }
      const granted = await this.grant(manager, viewer, guest, conversation, { level: 'COMMENT', expiresAt: this.defaultExpiry(organization) });
      if (!granted) return { guest, notified: null };
      await this.audit.record(manager, {
        organizationId: viewer.organizationId,
        action: 'GUEST_ADDED',
        actorId: viewer.actorId,
        subjectId: guest.id,
        conversationId: conversation.id,
        client,
      });
      // An INVITED guest has no session yet: the conversation is theirs when they accept their invitation.
      return { guest, notified: guest.status === 'ACTIVE' ? await this.notifyAdded(manager, viewer, guest, conversation) : null };
    });
    if (notified) await this.notices.notifications.announce(notified);
    return guest;
  }

  /** ADDED_TO_CONVERSATION for an ACTIVE guest who was given one more conversation; last in the transaction. */
  private notifyAdded(manager: EntityManager, viewer: Viewer, guest: ActorEntity, conversation: ConversationEntity): Promise<Notified> {
    return this.notices.notifications.create(manager, viewer.organizationId, [
      { recipientId: guest.id, reason: 'ADDED_TO_CONVERSATION', actorId: viewer.actorId, conversationId: conversation.id },
    ]);
  }

  /** Takes effect at once: the guest's next request and open subscriptions no longer see the conversation. */
  async removeFromConversation(viewer: Viewer, input: { guestId: string; conversationId: string }, client: Client = NO_CLIENT): Promise<ActorEntity> {
    this.assertCanManage(viewer);
    const guestId = decodeId(input.guestId, 'Guest');
    const conversationId = decodeId(input.conversationId, 'Conversation');
    const guest = await this.dataSource.transaction(async (manager) => {
      const guest = await this.lockGuest(manager, viewer, guestId);
      const exists = await manager.existsBy(ConversationEntity, { id: conversationId, organizationId: viewer.organizationId });
      if (!exists) throw notFound();
      // An access that already ended is recorded as expired, not as removed.
      await this.expiry.settle(manager, { guestId: guest.id });
      const removed = await manager.query(
        `WITH removed AS (DELETE FROM guest_access WHERE guest_id = $1 AND conversation_id = $2 RETURNING 1) SELECT * FROM removed`,
        [guest.id, conversationId],
      );
      if (removed.length > 0) {
        await this.audit.record(manager, {
          organizationId: viewer.organizationId,
          action: 'GUEST_REMOVED',
          actorId: viewer.actorId,
          subjectId: guest.id,
          conversationId,
          client,
        });
      }
      return guest;
    });
    await this.events.accessChanged({ organizationId: viewer.organizationId, conversationIds: [conversationId] });
    return guest;
  }

  /** REVOKED: every session ends, every access and pending link is removed; comments stay, with the name. */
  async revoke(viewer: Viewer, input: { guestId: string }, client: Client = NO_CLIENT): Promise<ActorEntity> {
    this.assertCanManage(viewer);
    const guestId = decodeId(input.guestId, 'Guest');
    const { guest, conversationIds } = await this.dataSource.transaction(async (manager) => {
      const guest = await this.lockGuest(manager, viewer, guestId);
      await this.expiry.settle(manager, { guestId: guest.id });
      if (guest.status !== 'REVOKED') {
        await this.audit.record(manager, { organizationId: viewer.organizationId, action: 'GUEST_REVOKED', actorId: viewer.actorId, subjectId: guest.id, client });
      }
      const removed: { conversation_id: string }[] = await manager.query(
        `WITH removed AS (DELETE FROM guest_access WHERE guest_id = $1 RETURNING conversation_id) SELECT conversation_id FROM removed`,
        [guest.id],
      );
      await manager.update(ActorEntity, { id: guest.id }, { status: 'REVOKED' });
      await this.sessions.revokeAllOf(guest.id, manager);
      await this.invitations.cancelForGuest(manager, guest.id);
      guest.status = 'REVOKED';
      return { guest, conversationIds: removed.map((row) => row.conversation_id) };
    });
    await this.events.sessionsChanged({ organizationId: viewer.organizationId, actorIds: [guest.id] });
    if (conversationIds.length > 0) await this.events.accessChanged({ organizationId: viewer.organizationId, conversationIds });
    return guest;
  }

  /**
   * Turning guests off blocks invitations and suspends every guest session
   * until they are on again. `defaultAccessDays`: omitted, unchanged; null, no
   * default expiry; otherwise 1 to 365 (for accesses granted from now on).
   * Recorded only when something changed.
   */
  async updateSettings(
    viewer: Viewer,
    input: { enabled?: boolean | null; whoCanInvite?: GuestInviters | null; defaultAccessDays?: number | null },
    client: Client = NO_CLIENT,
  ): Promise<OrganizationGuestSettings> {
    if (!guestPolicy.canChangeSettings(viewer)) throw forbidden('Only owners and admins can change guest settings.');
    const days = input.defaultAccessDays;
    if (days != null && (!Number.isInteger(days) || days < 1 || days > MAX_DEFAULT_ACCESS_DAYS)) {
      throw badInput(`defaultAccessDays must be between 1 and ${MAX_DEFAULT_ACCESS_DAYS}, or null for no default expiry.`, 'defaultAccessDays');
    }
    const { organization, disabled } = await this.dataSource.transaction(async (manager) => {
      const organization = await this.lockOrganization(manager, viewer);
      const before = { enabled: organization.guestsEnabled, whoCanInvite: organization.whoCanInvite, defaultAccessDays: organization.defaultAccessDays };
      const disabled = input.enabled === false && organization.guestsEnabled;
      if (input.enabled != null) organization.guestsEnabled = input.enabled;
      if (input.whoCanInvite != null) organization.whoCanInvite = input.whoCanInvite;
      if (days !== undefined) organization.defaultAccessDays = days;
      const after = { enabled: organization.guestsEnabled, whoCanInvite: organization.whoCanInvite, defaultAccessDays: organization.defaultAccessDays };
      const changed = (Object.keys(after) as (keyof typeof after)[]).filter((key) => before[key] !== after[key]);
      if (changed.length === 0) return { organization, disabled };
      await manager.update(OrganizationEntity, { id: organization.id }, {
        guestsEnabled: organization.guestsEnabled,
        whoCanInvite: organization.whoCanInvite,
        defaultAccessDays: organization.defaultAccessDays,
      });
      await this.audit.record(manager, {
        organizationId: organization.id,
        action: 'GUEST_SETTINGS_CHANGED',
        actorId: viewer.actorId,
        client,
        details: Object.fromEntries(changed.map((key) => [key, { from: before[key], to: after[key] }])),
      });
      return { organization, disabled };
    });
    if (disabled) await this.events.sessionsChanged({ organizationId: organization.id });
    return OrganizationGuestSettings.of(organization);
  }

  /**
   * Changes the level or the end of a live access (same permission as adding
   * a guest). Open subscriptions are re-authorized at once on every instance,
   * which also re-arms their expiry timers.
   */
  async updateAccess(
    viewer: Viewer,
    input: { guestId: string; conversationId: string; level?: GuestAccessLevel | null; expiresAt?: Date | null },
    client: Client = NO_CLIENT,
  ): Promise<GuestAccessEntity> {
    this.assertCanManage(viewer);
    const guestId = decodeId(input.guestId, 'Guest');
    const conversationId = decodeId(input.conversationId, 'Conversation');
    const expiresAt = input.expiresAt == null ? input.expiresAt : validate.futureDate(input.expiresAt, 'expiresAt');
    const { access, changed } = await this.dataSource.transaction(async (manager) => {
      const guest = await this.lockGuest(manager, viewer, guestId);
      const [row] = await manager.query(`SELECT * FROM live_guest_access WHERE guest_id = $1 AND conversation_id = $2`, [guest.id, conversationId]);
      if (!row) throw notFound();
      const before = hydrate(this.dataSource, GuestAccessEntity, row);
      const level = input.level ?? before.level;
      const end = expiresAt === undefined ? before.expiresAt : expiresAt;
      const changed: Record<string, { from: unknown; to: unknown }> = {};
      if (level !== before.level) changed.level = { from: before.level, to: level };
      if (end?.getTime() !== before.expiresAt?.getTime()) changed.expiresAt = { from: before.expiresAt, to: end };
      if (Object.keys(changed).length === 0) return { access: before, changed: false };
      const [updated] = await manager.query(
        `WITH updated AS (UPDATE guest_access SET level = $3, expires_at = $4 WHERE guest_id = $1 AND conversation_id = $2 RETURNING *)
         SELECT * FROM updated`,
        [guest.id, conversationId, level, end],
      );
      await this.audit.record(manager, {
        organizationId: viewer.organizationId,
        action: 'GUEST_ACCESS_CHANGED',
        actorId: viewer.actorId,
        subjectId: guest.id,
        conversationId,
        client,
        details: changed,
      });
      return { access: hydrate(this.dataSource, GuestAccessEntity, updated), changed: true };
    });
    if (changed) await this.events.accessChanged({ organizationId: viewer.organizationId, conversationIds: [conversationId] });
    return access;
  }

  /** A guest ends their own access to one conversation; members have nothing to leave. */
  async leave(viewer: Viewer, globalConversationId: string, client: Client = NO_CLIENT): Promise<boolean> {
    if (!guestPolicy.canLeave(viewer)) throw forbidden('Only guests leave conversations: members see every conversation of their organization.');
    const conversationId = decodeId(globalConversationId, 'Conversation');
    await this.dataSource.transaction(async (manager) => {
      const left = await manager.query(
        `WITH left_access AS (DELETE FROM guest_access WHERE guest_id = $1 AND conversation_id = $2 AND (expires_at IS NULL OR expires_at > now())
                              RETURNING 1)
         SELECT * FROM left_access`,
        [viewer.actorId, conversationId],
      );
      if (left.length === 0) throw notFound();
      await this.audit.record(manager, {
        organizationId: viewer.organizationId,
        action: 'GUEST_LEFT',
        actorId: viewer.actorId,
        subjectId: viewer.actorId,
        conversationId,
        client,
      });
    });
    await this.events.accessChanged({ organizationId: viewer.organizationId, conversationIds: [conversationId] });
    return true;
  }


  /** The viewer's organization's guest settings, or null for a viewer who may not see them (`node(id)`). */
  async settingsOf(viewer: Viewer): Promise<OrganizationGuestSettings | null> {
    if (!guestPolicy.canSeeSettings(viewer)) return null;
    const organization = await this.dataSource.manager.findOneBy(OrganizationEntity, { id: viewer.organizationId });
    return organization ? OrganizationGuestSettings.of(organization) : null;
  }

  /** The viewer's organization's guest usage, or null for a viewer who may not see it (`node(id)`). */
  async usageOf(viewer: Viewer): Promise<OrganizationGuestUsage | null> {
    return guestPolicy.canSeeSettings(viewer) ? this.usage(viewer.organizationId) : null;
  }

  async usage(organizationId: string): Promise<OrganizationGuestUsage> {
    const [row] = await this.dataSource.query(
      `SELECT count(*) FILTER (WHERE kind = 'MEMBER')::int AS members,
              count(*) FILTER (WHERE kind = 'GUEST' AND status <> 'REVOKED')::int AS guests
         FROM actors WHERE organization_id = $1`,
      [organizationId],
    );
    return new OrganizationGuestUsage(organizationId, row.members, this.config.guestsPerMember, row.guests, this.config.conversationsPerGuest);
  }

  /**
   * How many conversations the guest has access to now, as the viewer may
   * know it: all of them for members and the guest themself; for another
   * guest, only those both can read (the rest are not theirs to count).
   */
  async conversationCount({ viewer, loaders }: Scope, guest: ActorEntity): Promise<number> {
    const conversations = await loaders.guestConversations.load(guest.id);
    if (guestPolicy.canSeeAccessesOf(viewer, guest)) return conversations.length;
    return conversations.filter((conversation) => conversationPolicy.canRead(viewer, conversation)).length;
  }

  /** Every guest of the organization, revoked ones included, in order of invitation. */
  async list(organizationId: string): Promise<ActorEntity[]> {
    return this.dataSource
      .getRepository(ActorEntity)
      .createQueryBuilder('a')
      .where(`a.organization_id = :organizationId AND a.kind = 'GUEST'`, { organizationId })
      .orderBy('a.seq')
      .getMany();
  }

  private assertCanManage(viewer: Viewer): void {
    if (!guestPolicy.canManage(viewer)) {
      throw forbidden('Only owners and admins can manage guests in this organization (Settings > Guests: who can invite).');
    }
  }

  /**
   * Serializes every guest change of an organization; the settings read here are current, not the request's snapshot.
   * FOR NO KEY UPDATE, not FOR UPDATE: every insert that references the organization (a comment, a message) takes
   * FOR KEY SHARE on its row, and must not wait for us while we wait for its conversation lock (a deadlock).
   */
  private async lockOrganization(manager: EntityManager, viewer: Viewer): Promise<OrganizationEntity> {
    const organization = await manager
      .createQueryBuilder(OrganizationEntity, 'o')
      .setLock('for_no_key_update')
      .where('o.id = :id', { id: viewer.organizationId })
      .getOneOrFail();
    return organization;
  }

  /** Like the organization's lock, it leaves FOR KEY SHARE free: the guest's own comments are not held up. */
  private async lockGuest(manager: EntityManager, viewer: Viewer, guestId: string): Promise<ActorEntity> {
    const guest = await manager
      .createQueryBuilder(ActorEntity, 'a')
      .setLock('for_no_key_update')
      .where(`a.id = :id AND a.organization_id = :org AND a.kind = 'GUEST'`, { id: guestId, org: viewer.organizationId })
      .getOne();
    if (!guest) throw notFound();
    return guest;
  }

  /**
   * FOR SHARE: an `allowGuests: false` committing meanwhile (it holds the row FOR UPDATE) is waited for and then seen,
   * and one that comes after waits for this grant and removes it; either way no guest slips in.
   */
  private async conversationTakingGuests(manager: EntityManager, viewer: Viewer, conversationId: string): Promise<ConversationEntity> {
    const conversation = await manager
      .createQueryBuilder(ConversationEntity, 'c')
      .setLock('pessimistic_read')
      .where('c.id = :id AND c.organization_id = :org', { id: conversationId, org: viewer.organizationId })
      .getOne();
    if (!conversation) throw notFound();
    const [organization] = await manager.query(`SELECT guests_enabled FROM organizations WHERE id = $1`, [viewer.organizationId]);
    if (!organization.guests_enabled) throw guestNotAllowed('Guest access is turned off for your organization (Settings > Guests).');
    if (conversation.kind === 'CHAT_ROOM') throw guestNotAllowed('Chat rooms are internal: guests can never be added to them.');
    if (!conversation.allowGuests) throw guestNotAllowed('This conversation does not allow guests (allowGuests is false).');
    return conversation;
  }

  private async assertUnderOrganizationLimit(manager: EntityManager, organizationId: string): Promise<void> {
    const [row] = await manager.query(
      `SELECT count(*) FILTER (WHERE kind = 'MEMBER')::int AS members,
              count(*) FILTER (WHERE kind = 'GUEST' AND status <> 'REVOKED')::int AS guests
         FROM actors WHERE organization_id = $1`,
      [organizationId],
    );
    const limit = row.members * this.config.guestsPerMember;
    if (row.guests >= limit) throw guestLimitReached(limit);
  }

  /** The end of an access granted now without an explicit expiry: the organization's default, if it has one. */
  private defaultExpiry(organization: OrganizationEntity): Date | null {
    return organization.defaultAccessDays ? new Date(Date.now() + organization.defaultAccessDays * DAY_MS) : null;
  }

  /**
   * Gives a guest access to a conversation (once), under the guest's row lock;
   * true when it did. The per-guest limit counts live access only: expired
   * accesses are settled first (deleted, with their events), so their slots are free.
   */
  private async grant(manager: EntityManager, viewer: Viewer, guest: ActorEntity, conversation: ConversationEntity, terms: AccessTerms): Promise<boolean> {
    await this.expiry.settle(manager, { guestId: guest.id });
    const [row] = await manager.query(
      `SELECT count(*)::int AS total, count(*) FILTER (WHERE conversation_id = $2)::int AS here FROM live_guest_access WHERE guest_id = $1`,
      [guest.id, conversation.id],
    );
    if (row.here > 0) return false;
    if (row.total >= this.config.conversationsPerGuest) throw conversationLimitReached(this.config.conversationsPerGuest);
    await manager.query(
      `INSERT INTO guest_access (conversation_id, guest_id, organization_id, granted_by_id, level, expires_at) VALUES ($1, $2, $3, $4, $5, $6)`,
      [conversation.id, guest.id, viewer.organizationId, viewer.actorId, terms.level, terms.expiresAt],
    );
    return true;
  }
}
