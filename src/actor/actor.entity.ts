import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type ActorKind = 'MEMBER' | 'GUEST';
export type Role = 'OWNER' | 'ADMIN' | 'MEMBER';
export type ActorStatus = 'INVITED' | 'ACTIVE' | 'REVOKED';

/** A member (User in the API) or a guest: anyone who can act in a conversation. */
@Entity('actors')
export class ActorEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('uuid', { name: 'organization_id' })
  organizationId: string;

  @Column('text')
  kind: ActorKind;

  /** Set for members only. */
  @Column('text', { nullable: true })
  role: Role | null;

  @Column('text', { default: 'ACTIVE' })
  status: ActorStatus;

  @Column('text')
  email: string;

  @Column('text')
  name: string;

  @Column('text', { name: 'password_hash', nullable: true, select: false })
  passwordHash: string | null;

  @Column('uuid', { name: 'invited_by_id', nullable: true })
  invitedById: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ type: 'bigint', insert: false, update: false, select: false })
  seq: string;

  get isGuest(): boolean {
    return this.kind === 'GUEST';
  }
}
