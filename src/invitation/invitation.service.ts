import type { EntityManager } from 'typeorm';
import type { Config } from '../config';
import { ActorEntity, type Role } from '../actor/actor.entity';
import { hashToken, newToken } from '../auth/tokens';
import { DomainError, ErrorCode } from '../errors';
import { InvitationEntity } from './invitation.entity';

export const INVITATION_TTL_MS = 7 * 24 * 3600 * 1000;

export interface IssuedInvitation {
  /** What its email is about (`invitation:<id>`). */
  id: string;
  invitationUrl: string;
  expiresAt: Date;
}

export const invitationInvalid = () =>
  new DomainError(ErrorCode.INVITATION_INVALID, 'This invitation link is invalid, already used or expired. Ask for a new one.');

function usable(invitation: InvitationEntity | null): InvitationEntity {
  if (!invitation || invitation.usedAt || invitation.expiresAt.getTime() <= Date.now()) throw invitationInvalid();
  return invitation;
}

/** Single-use invitation links; the database keeps only a keyed hash of each token. */
export class InvitationService {
  constructor(private readonly config: Pick<Config, 'sessionSecret' | 'publicUrl'>) {}

  async issue(
    manager: EntityManager,
    fields: { organizationId: string; kind: 'MEMBER' | 'GUEST'; email: string; role?: Role; guestId?: string; invitedById: string },
  ): Promise<IssuedInvitation> {
    // A fresh link replaces any earlier unused link for the same person.
    if (fields.guestId) {
      await manager
        .createQueryBuilder()
        .update(InvitationEntity)
        .set({ usedAt: () => 'now()' })
        .where('guest_id = :guestId AND used_at IS NULL', { guestId: fields.guestId })
        .execute();
    }
    const token = newToken('inv');
    const expiresAt = new Date(Date.now() + INVITATION_TTL_MS);
    const inserted = await manager.insert(InvitationEntity, {
      organizationId: fields.organizationId,
      kind: fields.kind,
      email: fields.email,
      role: fields.role ?? null,
      guestId: fields.guestId ?? null,
      invitedById: fields.invitedById,
      tokenHash: hashToken(this.config.sessionSecret, token),
      expiresAt,
    });
    return { id: inserted.identifiers[0]!.id as string, invitationUrl: `${this.config.publicUrl}/invitations/${token}`, expiresAt };
  }

  /**
   * The usable invitation behind a token, without using it: what is checked
   * before any slow work (hashing the new password) is done for the caller.
   * A used, expired or unknown token is INVITATION_INVALID.
   */
  async findUsable(manager: EntityManager, token: string): Promise<InvitationEntity> {
    const invitation = await manager.findOneBy(InvitationEntity, { tokenHash: this.tokenHash(token) });
    return usable(invitation);
  }

  /**
   * Locks and returns the usable invitation behind a token, inside the caller's
   * transaction; a used, expired or unknown token is INVITATION_INVALID.
   */
  async claim(manager: EntityManager, token: string): Promise<InvitationEntity> {
    const tokenHash = this.tokenHash(token);
    // The guest first, then the link: inviting again and revoking lock in that order too, and the
    // opposite order deadlocked an acceptance racing a revocation.
    await manager.query(
      `SELECT 1 FROM actors WHERE id = (SELECT guest_id FROM invitations WHERE token_hash = $1) FOR UPDATE`,
      [tokenHash],
    );
    const invitation = usable(
      await manager.createQueryBuilder(InvitationEntity, 'i').setLock('pessimistic_write').where('i.token_hash = :hash', { hash: tokenHash }).getOne(),
    );
    await manager.update(InvitationEntity, { id: invitation.id }, { usedAt: new Date() });
    return invitation;
  }

  private tokenHash(token: string): string {
    if (typeof token !== 'string' || token.length === 0 || token.length > 200) throw invitationInvalid();
    return hashToken(this.config.sessionSecret, token);
  }

  /** Invalidates every pending link of a guest (revocation). */
  async cancelForGuest(manager: EntityManager, guestId: string): Promise<void> {
    await manager
      .createQueryBuilder()
      .update(InvitationEntity)
      .set({ usedAt: () => 'now()' })
      .where('guest_id = :guestId AND used_at IS NULL', { guestId })
      .execute();
  }

  async memberEmailTaken(manager: EntityManager, email: string): Promise<boolean> {
    return manager
      .createQueryBuilder(ActorEntity, 'a')
      .where(`a.kind = 'MEMBER' AND lower(a.email) = :email`, { email })
      .getExists();
  }
}
