import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type ActorKind = 'MEMBER' | 'GUEST';

/** A member's role (the GraphQL enum `Role`, registered in user.type.ts). */
export const Role = { OWNER: 'OWNER', ADMIN: 'ADMIN', MEMBER: 'MEMBER' } as const;
export type Role = (typeof Role)[keyof typeof Role];

/** Where an actor stands (the GraphQL enum `GuestStatus`, registered in guest.type.ts); members are always ACTIVE. */
export const ActorStatus = { INVITED: 'INVITED', ACTIVE: 'ACTIVE', REVOKED: 'REVOKED' } as const;
export type ActorStatus = (typeof ActorStatus)[keyof typeof ActorStatus];

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
