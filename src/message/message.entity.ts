import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** The GraphQL enum `Channel`, registered in message.type.ts. */
export const Channel = { EMAIL: 'EMAIL', SMS: 'SMS', WHATSAPP: 'WHATSAPP', CUSTOM: 'CUSTOM' } as const;
export type Channel = (typeof Channel)[keyof typeof Channel];

/** The GraphQL enum `Direction`, registered in message.type.ts. */
export const Direction = { INBOUND: 'INBOUND', OUTBOUND: 'OUTBOUND' } as const;
export type Direction = (typeof Direction)[keyof typeof Direction];

/** An external message: received through an integration, or a member's reply. */
@Entity('messages')
export class MessageEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('uuid', { name: 'organization_id' })
  organizationId: string;

  @Column('uuid', { name: 'conversation_id' })
  conversationId: string;

  @Column('text')
  channel: Channel;

  @Column('text')
  direction: Direction;

  @Column('text')
  from: string;

  @Column('text', { array: true })
  to: string[];

  @Column('text', { array: true })
  cc: string[];

  @Column('text', { array: true })
  bcc: string[];

  @Column('text', { nullable: true })
  subject: string | null;

  @Column('text')
  body: string;

  @Column('uuid', { name: 'author_id', nullable: true })
  authorId: string | null;

  @Column('timestamptz', { name: 'sent_at', default: () => 'now()' })
  sentAt: Date;

  @Column({ type: 'bigint', insert: false, update: false })
  seq: string;
}
