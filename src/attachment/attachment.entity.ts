import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** An uploaded file; unused until a comment or a message claims it. */
@Entity('attachments')
export class AttachmentEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('uuid', { name: 'organization_id' })
  organizationId: string;

  @Column('uuid', { name: 'uploader_id' })
  uploaderId: string;

  @Column('text')
  filename: string;

  @Column('text', { name: 'content_type' })
  contentType: string;

  @Column('bigint', { transformer: { from: (v: string) => Number(v), to: (v: number) => v } })
  size: number;

  /** Hex SHA-256 of the bytes; empty while the upload is still streaming in (such a row is never served or claimed). */
  @Column('text')
  sha256: string;

  @Column('uuid', { name: 'conversation_id', nullable: true })
  conversationId: string | null;

  @Column('uuid', { name: 'message_id', nullable: true })
  messageId: string | null;

  @Column('uuid', { name: 'comment_id', nullable: true })
  commentId: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  /** Display order within a comment or message: renumbered on claim to follow the order the author gave. */
  @Column({ type: 'bigint', insert: false, update: false })
  seq: string;
}
