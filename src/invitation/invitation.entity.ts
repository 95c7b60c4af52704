import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { ActorKind, Role } from '../actor/actor.entity';

/** A single-use link that lets a new member or a guest set their name and password. */
@Entity('invitations')
export class InvitationEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('uuid', { name: 'organization_id' })
  organizationId: string;

  @Column('text')
  kind: ActorKind;

  @Column('text')
  email: string;

  @Column('text', { nullable: true })
  role: Role | null;

  /** The guest actor this invitation activates (guest invitations only). */
  @Column('uuid', { name: 'guest_id', nullable: true })
  guestId: string | null;

  @Column('uuid', { name: 'invited_by_id', nullable: true })
  invitedById: string | null;

  @Column('text', { name: 'token_hash' })
  tokenHash: string;

  @Column('timestamptz', { name: 'expires_at' })
  expiresAt: Date;

  @Column('timestamptz', { name: 'used_at', nullable: true })
  usedAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
