import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** Who may manage guests: the GraphQL enum `GuestInviters`, registered in guest-settings.type.ts. */
export const GuestInviters = { ADMINS: 'ADMINS', MEMBERS: 'MEMBERS' } as const;
export type GuestInviters = (typeof GuestInviters)[keyof typeof GuestInviters];

@Entity('organizations')
export class OrganizationEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('text')
  name: string;

  @Column('boolean', { name: 'guests_enabled', default: true })
  guestsEnabled: boolean;

  @Column('text', { name: 'who_can_invite', default: 'MEMBERS' })
  whoCanInvite: GuestInviters;

  /** Days a new guest access lasts when the inviter gives no expiry (1 to 365); null: no expiry. */
  @Column('int', { name: 'default_access_days', nullable: true })
  defaultAccessDays: number | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
