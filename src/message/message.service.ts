import type { DataSource, EntityManager } from 'typeorm';
import type { Viewer } from '../auth/viewer';
import type { AttachmentClaimer } from '../comment/comment.service';
import { ConversationEntity } from '../conversation/conversation.entity';
import { conversationPolicy } from '../conversation/conversation.policy';
import { addParticipants, type ConversationService } from '../conversation/conversation.service';
import { badInput, forbidden } from '../errors';
import { decodeId } from '../ids';
import type { Logger } from '../logger';
import * as validate from '../validation';
import type { Channel } from './message.entity';
import { hydrateMessage, MESSAGE_WITH_RELATIONS, type LoadedMessage } from './message.loader';
import type { OutboundTransport } from './message.transport';

const MAX_BODY = 100_000;
const MAX_RECIPIENTS = 100;
const PHONE = /^\+?[0-9][0-9 ().-]{2,30}$/;

export interface CreateMessageFields {
  conversationId?: string | null;
  channel: Channel;
  from: string;
  to: string[];
  cc?: string[] | null;
  bcc?: string[] | null;
  subject?: string | null;
  body: string;
  attachmentIds?: string[] | null;
}

export interface ReplyFields {
  conversationId: string;
  body: string;
  to?: string[] | null;
  cc?: string[] | null;
  bcc?: string[] | null;
  attachmentIds?: string[] | null;
}

/** An address valid for the channel: an email address for EMAIL, a phone number for SMS and WhatsApp. */
function address(channel: Channel, value: string, field: string): string {
  if (channel === 'EMAIL') return validate.email(value, field);
  const trimmed = validate.text(value, field, { max: 320 });
  if ((channel === 'SMS' || channel === 'WHATSAPP') && !PHONE.test(trimmed)) {
    throw badInput(`${field} must be a phone number like +14155550100.`, field);
  }
  return trimmed;
}

function addresses(channel: Channel, values: readonly string[] | null | undefined, field: string): string[] {
  const list = values ?? [];
  if (list.length > MAX_RECIPIENTS) throw badInput(`${field} takes at most ${MAX_RECIPIENTS} addresses.`, field);
  return list.map((value) => address(channel, value, field));
}

function messageBody(body: string): string {
  validate.storable(body, 'body');
  if (body.trim().length === 0) throw badInput('body must not be empty.', 'body');
  if (body.length > MAX_BODY) throw badInput(`body must be at most ${MAX_BODY.toLocaleString('en')} characters.`, 'body');
  return body;
}

/** External messages: inbound ones from integrations and members, outbound replies through the transport. */
export class MessageService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly conversations: ConversationService,
    private readonly transport: OutboundTransport,
    private readonly attachments: AttachmentClaimer,
    private readonly logger: Logger,
  ) {}

  /** Records an inbound message; without a conversation it starts a new thread. */
  async create(viewer: Viewer, fields: CreateMessageFields): Promise<LoadedMessage> {
    if (!conversationPolicy.canRecordMessages(viewer)) throw forbidden('Only organization members can record external messages.');
    const conversationId = fields.conversationId != null ? decodeId(fields.conversationId, 'Conversation') : null;
    const from = address(fields.channel, fields.from, 'from');
    const to = addresses(fields.channel, fields.to, 'to');
    if (to.length === 0) throw badInput('to needs at least one address.', 'to');
    const cc = addresses(fields.channel, fields.cc, 'cc');
    const bcc = addresses(fields.channel, fields.bcc, 'bcc');
    const subject = validate.optionalText(fields.subject, 'subject', 998) ?? null;
    const body = messageBody(fields.body);

    return this.dataSource.transaction(async (manager) => {
      let conversation: ConversationEntity;
      if (conversationId) {
        conversation = await this.conversations.lockReadable(manager, viewer, conversationId);
        if (conversation.kind !== 'THREAD') throw badInput('Chat rooms are internal: they take no external messages.', 'conversationId');
      } else {
        conversation = await manager.save(
          manager.create(ConversationEntity, {
            organizationId: viewer.organizationId,
            kind: 'THREAD',
            subject,
            createdById: viewer.actorId,
          }),
        );
        await addParticipants(manager, conversation.id, [viewer.actorId]);
      }
      return this.insert(manager, viewer, conversation, {
        channel: fields.channel,
        direction: 'INBOUND',
        from,
        to,
        cc,
        bcc,
        subject,
        body,
        authorId: null,
        attachmentIds: fields.attachmentIds ?? [],
      });
    });
  }

  /**
   * A member's reply to the outside world: recorded, then handed to the
   * transport after the commit. It goes back to the last inbound sender unless
   * `to` says otherwise, on the conversation's channel.
   */
  async reply(viewer: Viewer, fields: ReplyFields): Promise<LoadedMessage> {
    const conversationId = decodeId(fields.conversationId, 'Conversation');
    const body = messageBody(fields.body);
    const message = await this.dataSource.transaction(async (manager) => {
      const conversation = await this.conversations.lockReadable(manager, viewer, conversationId);
      if (conversation.kind !== 'THREAD') throw badInput('Chat rooms are internal: there is no one outside to reply to.', 'conversationId');
      if (!conversationPolicy.canReply(viewer, conversation)) throw forbidden('Only organization members can reply to the outside world.');
      const [last] = await manager.query(
        `SELECT channel, "from", "to", subject FROM messages WHERE conversation_id = $1 AND direction = 'INBOUND' ORDER BY seq DESC LIMIT 1`,
        [conversation.id],
      );
      const channel: Channel = last?.channel ?? 'EMAIL';
      const to = fields.to?.length ? addresses(channel, fields.to, 'to') : last ? [last.from as string] : [];
      if (to.length === 0) throw badInput('This conversation has no inbound message to reply to: give to.', 'to');
      const subject = conversation.subject ?? last?.subject ?? null;
      return this.insert(manager, viewer, conversation, {
        channel,
        direction: 'OUTBOUND',
        from: last?.to?.[0] ?? `conversation-${conversation.id}@sidedoor.invalid`,
        to,
        cc: addresses(channel, fields.cc, 'cc'),
        bcc: addresses(channel, fields.bcc, 'bcc'),
        subject: subject && !/^re:/i.test(subject) ? `Re: ${subject}` : subject,
        body,
        authorId: viewer.actorId,
        attachmentIds: fields.attachmentIds ?? [],
      });
    });
    await this.transport.send(message).catch((error) => this.logger.error({ err: error, messageId: message.id }, 'outbound transport failed'));
    return message;
  }

  /**
   * One message with its relations, if the viewer may read its conversation; else null, for a missing
   * one alike: the same single statement either way, so the two take the same time.
   */
  async findLoaded(viewer: Viewer, id: string): Promise<LoadedMessage | null> {
    const [row] = await this.dataSource.query(
      `SELECT ${MESSAGE_WITH_RELATIONS} FROM messages m
        WHERE m.id = $1 AND m.organization_id = $2 AND ($3::uuid[] IS NULL OR m.conversation_id = ANY($3::uuid[]))`,
      [id, viewer.organizationId, conversationPolicy.readableIds(viewer)],
    );
    return row ? hydrateMessage(this.dataSource, row) : null;
  }

  private async insert(
    manager: EntityManager,
    viewer: Viewer,
    conversation: ConversationEntity,
    row: Omit<LoadedMessage, 'id' | 'organizationId' | 'conversationId' | 'sentAt' | 'seq' | 'author' | 'attachments'> & {
      attachmentIds: readonly string[];
    },
  ): Promise<LoadedMessage> {
    const [inserted] = await manager.query(
      `INSERT INTO messages (organization_id, conversation_id, channel, direction, "from", "to", cc, bcc, subject, body, author_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
      [viewer.organizationId, conversation.id, row.channel, row.direction, row.from, row.to, row.cc, row.bcc, row.subject, row.body, row.authorId],
    );
    if (row.attachmentIds.length > 0) {
      await this.attachments.claim(manager, viewer, row.attachmentIds, { conversationId: conversation.id, messageId: inserted.id });
    }
    if (row.authorId) await addParticipants(manager, conversation.id, [row.authorId]);
    await manager.query(`UPDATE conversations SET updated_at = now() WHERE id = $1`, [conversation.id]);
    const [loaded] = await manager.query(`SELECT ${MESSAGE_WITH_RELATIONS} FROM messages m WHERE m.id = $1`, [inserted.id]);
    return hydrateMessage(this.dataSource, loaded);
  }
}
