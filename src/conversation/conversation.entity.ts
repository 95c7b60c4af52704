import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/** The GraphQL enum `ConversationKind`, registered in conversation.type.ts. */
export const ConversationKind = { THREAD: 'THREAD', CHAT_ROOM: 'CHAT_ROOM' } as const;
export type ConversationKind = (typeof ConversationKind)[keyof typeof ConversationKind];

@Entity('conversations')
export class ConversationEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('uuid', { name: 'organization_id' })
  organizationId: string;

  @Column('text')
  kind: ConversationKind;

  @Column('text', { nullable: true })
  subject: string | null;

  @Column('boolean', { default: false })
  closed: boolean;

  @Column('uuid', { name: 'team_id', nullable: true })
  teamId: string | null;

  @Column('text', { array: true, default: () => `'{}'` })
  labels: string[];

  @Column('boolean', { name: 'allow_guests', default: true })
  allowGuests: boolean;

  @Column('uuid', { name: 'created_by_id', nullable: true })
  createdById: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  /** Insertion order: the pagination key. */
  @Column({ type: 'bigint', insert: false, update: false })
  seq: string;
}
