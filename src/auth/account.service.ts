import type { DataSource, EntityManager } from 'typeorm';
import type { AuditService } from '../audit/audit.service';
import { NO_CLIENT, type Client } from '../client';
import { isUniqueViolation } from '../db';
import { ActorEntity, type Role } from '../actor/actor.entity';
import { badInput, DomainError, ErrorCode, forbidden, unauthenticated } from '../errors';
import { invitationPolicy } from '../invitation/invitation.policy';
import { InvitationService, invitationInvalid } from '../invitation/invitation.service';
import { renderInvitationEmail } from '../mail/invitation.email';
import type { MailService } from '../mail/mail.service';
import type { NotificationService } from '../notification/notification.service';
import { OrganizationEntity } from '../organization/organization.entity';
import type { DomainEvents } from '../realtime/events';
import type { RateLimitBucket, RateLimitService } from '../security/rate-limit.service';
import type { TeamService } from '../team/team.service';
import { hydrate } from '../hydrate';
import * as validate from '../validation';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, type PasswordHasher } from './password';
import type { SessionService } from './session.service';
import type { Viewer } from './viewer';

export interface AuthResult {
  token: string;
  viewer: ActorEntity;
}

/** A member invitation as the inviter gets it: the link only while emails do not reach inboxes (SPEC §12). */
export interface MemberInvitation {
  invitationUrl: string | null;
  expiresAt: Date;
}

const WRONG_CREDENTIALS = 'Wrong email or password.';
const emailTaken = () => badInput('An account with this email already exists: log in instead.', 'email');

function password(value: string): string {
  if (value.length < MIN_PASSWORD_LENGTH) throw badInput(`password must be at least ${MIN_PASSWORD_LENGTH} characters.`, 'password');
  if (value.length > MAX_PASSWORD_LENGTH) throw badInput(`password must be at most ${MAX_PASSWORD_LENGTH} characters.`, 'password');
  return value;
}

/** Sign-up, log-in and log-out, and member invitations. */
export class AccountService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly passwords: PasswordHasher,
    private readonly sessions: SessionService,
    private readonly invitations: InvitationService,
    private readonly teams: TeamService,
    private readonly rateLimits: RateLimitService,
    private readonly events: DomainEvents,
    private readonly audit: AuditService,
    private readonly notices: { mail: MailService; notifications: NotificationService },
  ) {}

  /**
   * Counted per client address, successful or not: each call makes an
   * organization or says that an email is taken. A taken email is refused
   * before the password is hashed, so refusals cost no hash.
   */
  async signUp(input: { organizationName: string; name: string; email: string; password: string }, client: Client = NO_CLIENT): Promise<AuthResult> {
    await this.limitAddress('signUp', client);
    const organizationName = validate.text(input.organizationName, 'organizationName');
    const name = validate.text(input.name, 'name');
    const email = validate.email(input.email);
    const newPassword = password(input.password);
    if (await this.invitations.memberEmailTaken(this.dataSource.manager, email)) throw emailTaken();
    const passwordHash = await this.passwords.hash(newPassword, email);
    return this.dataSource.transaction(async (manager) => {
      if (await this.invitations.memberEmailTaken(manager, email)) throw emailTaken();
      const organization = await manager.save(manager.create(OrganizationEntity, { name: organizationName }));
      const owner = await this.insertMember(manager, { organizationId: organization.id, email, name, role: 'OWNER' }, passwordHash);
      return { token: await this.sessions.create(owner.id, manager), viewer: owner };
    });
  }

  /**
   * One message for an unknown email and a wrong password; an unknown email
   * still costs one hash, so the two take the same time.
   *
   * Every attempt is counted before the password is checked, per email and per
   * client IP, so concurrent guesses cannot slip past the limit. A success
   * gives back its own attempt and nothing more: it never clears the email's
   * earlier failures, because anyone can own *an* account with a given email
   * (an organization of theirs invites it as a guest) and logging in to that
   * one must not reset the count against the others. Once an email is over
   * its allowance even the right password answers RATE_LIMITED until the
   * window ends. Unknown emails are counted alike, so the limit reveals nothing.
   */
  async logIn(input: { email: string; password: string }, client: Client = NO_CLIENT): Promise<AuthResult> {
    const email = input.email.trim().toLowerCase();
    await this.countLogInAttempt(email, client);
    let actor: ActorEntity | null;
    let candidates: ActorEntity[];
    try {
      ({ actor, candidates } = await this.verifyCredentials(email, input.password));
    } catch (error) {
      // The database failed, not the caller: this attempt must not count against them.
      await this.giveBackLogInAttempt(email, client);
      throw error;
    }
    if (!actor) {
      this.recordFailedLogIn(candidates, client);
      throw unauthenticated(WRONG_CREDENTIALS);
    }
    await this.giveBackLogInAttempt(email, client);
    return { token: await this.startSession(actor, client), viewer: actor };
  }

  /**
   * A wrong password for existing actors: LOGIN_FAILED in each one's
   * organization (an unknown email leaves nothing). Not waited for: the
   * answer must take as long as for an unknown email, or its timing would
   * tell which emails have accounts.
   */
  private recordFailedLogIn(candidates: ActorEntity[], client: Client): void {
    if (candidates.length === 0) return;
    this.audit.recordDetached(
      candidates.map((who) => ({ organizationId: who.organizationId, action: 'LOGIN_FAILED' as const, actorId: who.id, subjectId: who.id, client })),
    );
  }

  /** The new session and its LOGIN_SUCCEEDED, in one transaction. */
  private startSession(actor: ActorEntity, client: Client): Promise<string> {
    return this.dataSource.transaction(async (manager) => {
      const token = await this.sessions.create(actor.id, manager);
      await this.audit.record(manager, { organizationId: actor.organizationId, action: 'LOGIN_SUCCEEDED', actorId: actor.id, subjectId: actor.id, client });
      return token;
    });
  }

  private async countLogInAttempt(email: string, client: Client): Promise<void> {
    await this.rateLimits.consume('logInFailure', email);
    if (!client.ip) return;
    try {
      await this.rateLimits.consume('logInFailureByIp', client.ip);
    } catch (error) {
      // Refused for the network, not tried: it is no failure of this email.
      await this.rateLimits.refund('logInFailure', email);
      throw error;
    }
  }

  /** Undoes exactly what `countLogInAttempt` counted: never lowers a count below what it was before. */
  private async giveBackLogInAttempt(email: string, client: Client): Promise<void> {
    await Promise.all([this.rateLimits.refund('logInFailure', email), client.ip ? this.rateLimits.refund('logInFailureByIp', client.ip) : undefined]);
  }

  /**
   * The actor whose email and password these are, or null. Every account of
   * the email is checked, however many organizations made one (a member
   * account first, then guest accounts oldest first: one deterministic
   * answer), for the cost of one hash (see PasswordHasher): what other
   * organizations did with an email neither hides its owner's account nor
   * makes a log-in dearer. Also every actor the email named, for the audit log.
   */
  private async verifyCredentials(email: string, password: string): Promise<{ actor: ActorEntity | null; candidates: ActorEntity[] }> {
    // No stored email is that long or holds a NUL (PostgreSQL would refuse the text): nobody to look up.
    const searchable = email.length <= 254 && !email.includes('\u0000') && password.length <= MAX_PASSWORD_LENGTH;
    const candidates: (Record<string, unknown> & { password_hash: string })[] = !searchable
      ? []
      : await this.dataSource.query(
          `SELECT a.*, c.password_hash
             FROM actors a
             JOIN actor_credentials c ON c.actor_id = a.id
             JOIN organizations o ON o.id = a.organization_id
            WHERE lower(a.email) = $1 AND a.status = 'ACTIVE' AND (a.kind = 'MEMBER' OR o.guests_enabled)
            ORDER BY CASE WHEN a.kind = 'MEMBER' THEN 0 ELSE 1 END, a.created_at, a.id`,
          [email],
        );
    const actors = candidates.map(({ password_hash: _hash, ...row }) => hydrate(this.dataSource, ActorEntity, row));
    const match = await this.passwords.firstMatch(password.slice(0, MAX_PASSWORD_LENGTH), candidates.map((candidate) => candidate.password_hash));
    if (match === -1) return { actor: null, candidates: actors };
    const actor = actors[match]!;
    // A hash from before salts were derived from the email (or from an older cost): renewed while the password is at hand.
    if (this.passwords.isOutdated(candidates[match]!.password_hash, email)) {
      await this.setPassword(this.dataSource.manager, actor.id, await this.passwords.hash(password, email, 'logIn'));
    }
    return { actor, candidates: actors };
  }

  async logOut(viewer: Viewer): Promise<boolean> {
    await this.sessions.revoke(viewer.sessionId);
    // Open websockets of this session close at once (4403), not at their next event.
    await this.events.sessionsChanged({ organizationId: viewer.organizationId, actorIds: [viewer.actorId] });
    return true;
  }

  /**
   * Emails the invitation to the invitee, in the same transaction. With SMTP
   * the link reaches only their inbox (`invitationUrl: null`): whoever holds
   * it sets the account's password. Without it (development) the email lands
   * in the outbox folder and the inviter gets the link to pass on.
   */
  async inviteMember(viewer: Viewer, input: { email: string; role: Role }, client: Client = NO_CLIENT): Promise<MemberInvitation> {
    if (!invitationPolicy.canInviteMember(viewer, input.role)) {
      throw forbidden(input.role === 'OWNER' ? 'Only owners can invite owners.' : 'Only owners and admins can invite members.');
    }
    const email = validate.email(input.email);
    await this.rateLimits.consume('invitation', viewer.actorId);
    return this.dataSource.transaction(async (manager) => {
      // Only this organization's people are looked at: whether the email has an account elsewhere is
      // not the inviter's to learn (an invitation to a member of another organization cannot be accepted).
      const here = await manager
        .createQueryBuilder(ActorEntity, 'a')
        .where(`a.organization_id = :org AND lower(a.email) = :email AND (a.kind = 'MEMBER' OR a.status <> 'REVOKED')`, {
          org: viewer.organizationId,
          email,
        })
        .getOne();
      if (here?.kind === 'MEMBER') throw badInput('This email already belongs to a member of your organization.', 'email');
      if (here) throw badInput('This email belongs to a guest of your organization; revoke the guest first.', 'email');
      const invitation = await this.invitations.issue(manager, {
        organizationId: viewer.organizationId,
        kind: 'MEMBER',
        email,
        role: input.role,
        invitedById: viewer.actorId,
      });
      // The member does not exist yet: who was invited is in the event's details.
      await this.audit.record(manager, {
        organizationId: viewer.organizationId,
        action: 'MEMBER_INVITED',
        actorId: viewer.actorId,
        client,
        details: { email, role: input.role },
      });
      const [names]: { inviter: string; organization: string }[] = await manager.query(
        `SELECT a.name AS inviter, o.name AS organization FROM actors a JOIN organizations o ON o.id = a.organization_id WHERE a.id = $1`,
        [viewer.actorId],
      );
      // No actor yet, so no setting to unsubscribe from: the email carries no unsubscribe link.
      await this.notices.mail.enqueue(
        manager,
        renderInvitationEmail({
          invitationId: invitation.id,
          to: { address: email, name: null, actorId: null },
          inviterName: names!.inviter,
          organizationName: names!.organization,
          conversationSubject: null,
          invitationUrl: invitation.invitationUrl,
          expiresAt: invitation.expiresAt,
        }),
      );
      return { invitationUrl: this.notices.mail.reachesInboxes ? null : invitation.invitationUrl, expiresAt: invitation.expiresAt };
    });
  }

  /**
   * Turns a member invitation into a member, or an INVITED guest into an
   * ACTIVE one; the member whose link a guest used is notified
   * (GUEST_JOINED). The link is checked before the password is hashed, so a
   * made-up link costs one lookup; failures are counted per client address.
   */
  async acceptInvitation(input: { token: string; name: string; password: string }, client: Client = NO_CLIENT): Promise<AuthResult> {
    const name = validate.text(input.name, 'name');
    const newPassword = password(input.password);
    await this.limitAddress('invitationFailure', client);
    try {
      const result = await this.claimInvitation(input.token, name, newPassword, client);
      if (client.ip) await this.rateLimits.refund('invitationFailure', client.ip);
      return result;
    } catch (error) {
      // Only the caller's own mistakes count: a database failure is none of theirs.
      if (!(error instanceof DomainError) && client.ip) await this.rateLimits.refund('invitationFailure', client.ip);
      throw error;
    }
  }

  private async claimInvitation(token: string, name: string, newPassword: string, client: Client): Promise<AuthResult> {
    const pending = await this.invitations.findUsable(this.dataSource.manager, token);
    if (pending.kind === 'MEMBER' && (await this.invitations.memberEmailTaken(this.dataSource.manager, pending.email))) throw invitationInvalid();
    const passwordHash = await this.passwords.hash(newPassword, pending.email);
    const { result, notified } = await this.dataSource.transaction(async (manager) => {
      const invitation = await this.invitations.claim(manager, token);
      let actor: ActorEntity;
      if (invitation.kind === 'MEMBER') {
        if (await this.invitations.memberEmailTaken(manager, invitation.email)) throw invitationInvalid();
        actor = await this.insertMember(manager, {
          organizationId: invitation.organizationId,
          email: invitation.email,
          name,
          role: invitation.role ?? 'MEMBER',
          invitedById: invitation.invitedById,
        }, passwordHash);
      } else {
        const guest = await manager
          .createQueryBuilder(ActorEntity, 'a')
          .setLock('pessimistic_write')
          .where('a.id = :id', { id: invitation.guestId })
          .getOne();
        if (!guest || guest.status !== 'INVITED') throw invitationInvalid();
        const organization = await manager.findOneByOrFail(OrganizationEntity, { id: guest.organizationId });
        if (!organization.guestsEnabled) {
          throw new DomainError(ErrorCode.GUEST_NOT_ALLOWED, 'This organization has turned guest access off.');
        }
        await manager.update(ActorEntity, { id: guest.id }, { name, status: 'ACTIVE' });
        await this.setPassword(manager, guest.id, passwordHash);
        actor = Object.assign(guest, { name, status: 'ACTIVE' as const });
      }
      await this.audit.record(manager, {
        organizationId: actor.organizationId,
        action: invitation.kind === 'MEMBER' ? 'MEMBER_JOINED' : 'GUEST_JOINED',
        actorId: actor.id,
        subjectId: actor.id,
        client,
      });
      const sessionToken = await this.sessions.create(actor.id, manager);
      const inviterId = invitation.kind === 'GUEST' ? invitation.invitedById : null;
      const notified = await this.notices.notifications.create(
        manager,
        actor.organizationId,
        inviterId ? [{ recipientId: inviterId, reason: 'GUEST_JOINED', actorId: actor.id }] : [],
      );
      return { result: { token: sessionToken, viewer: actor }, notified };
    });
    await this.notices.notifications.announce(notified);
    return result;
  }

  /** Counts one call against the client address (calls through services, without one, are not limited). */
  private async limitAddress(bucket: Extract<RateLimitBucket, 'signUp' | 'invitationFailure'>, client: Client): Promise<void> {
    if (client.ip) await this.rateLimits.consume(bucket, client.ip);
  }

  private async insertMember(
    manager: EntityManager,
    fields: { organizationId: string; email: string; name: string; role: Role; invitedById?: string | null },
    passwordHash: string,
  ): Promise<ActorEntity> {
    const member = await manager
      .save(manager.create(ActorEntity, { ...fields, kind: 'MEMBER', status: 'ACTIVE', invitedById: fields.invitedById ?? null }))
      .catch((error: unknown) => {
        // Two sign-ups with one email at once: both passed the check, the unique index stops the second.
        if (isUniqueViolation(error, 'actors_member_email')) throw emailTaken();
        throw error;
      });
    await this.setPassword(manager, member.id, passwordHash);
    await this.teams.addToDefaultTeams(manager, member);
    return member;
  }

  /** The only writer of `actor_credentials`; nothing but `verifyCredentials` reads it. */
  private async setPassword(manager: EntityManager, actorId: string, passwordHash: string): Promise<void> {
    await manager.query(
      `INSERT INTO actor_credentials (actor_id, password_hash) VALUES ($1, $2)
       ON CONFLICT (actor_id) DO UPDATE SET password_hash = excluded.password_hash, updated_at = now()`,
      [actorId, passwordHash],
    );
  }
}
