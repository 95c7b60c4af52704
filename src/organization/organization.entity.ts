import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type GuestInviters = 'ADMINS' | 'MEMBERS';

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

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
