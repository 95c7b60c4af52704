import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import type { AuditService } from '../audit/audit.service';
import type { SessionService } from '../auth/session.service';
import { isGuest, type Viewer } from '../auth/viewer';
import type { Client } from '../client';
import type { Config } from '../config';
import { ConversationEntity } from '../conversation/conversation.entity';
import { conversationPolicy } from '../conversation/conversation.policy';
import { badInput, DomainError, ErrorCode, forbidden, notFound } from '../errors';
import { decodeId, isUuid, parseGlobalId, toGlobalId } from '../ids';
import type { Logger } from '../logger';
import { AttachmentEntity } from './attachment.entity';
import type { AttachmentStorage, ByteRange } from './attachment.storage';

/** Unused uploads are deleted once they are this old (SPEC §7, issue 6). */
export const UNUSED_UPLOAD_TTL_MS = 24 * 3600 * 1000;
/** How many files one comment or message may carry. */
export const MAX_ATTACHMENTS_PER_POST = 20;
/** Longest filename kept, in characters. */
export const MAX_FILENAME_LENGTH = 255;

const MIME_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,62}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/;
// Keys the link signatures apart from every other use of SESSION_SECRET (session token hashes).
const LINK_SIGNATURE_LABEL = 'sidedoor/attachment-download/v1';

/** An upload over MAX_UPLOAD_BYTES: the route answers 413, and nothing of it is kept. */
export class UploadTooLargeError extends DomainError {
  constructor(readonly maxBytes: number) {
    super(ErrorCode.BAD_USER_INPUT, `The file is larger than the upload limit of ${maxBytes} bytes.`, { maxBytes });
    this.name = 'UploadTooLargeError';
  }
}

/** A signed link whose signature holds but whose time is up: the client should ask for `Attachment.url` again. */
export const linkExpired = () =>
  forbidden('This download link has expired: query Attachment.url again for a fresh one.');

export interface UploadedFile {
  /** As the client sent it; sanitized before it is kept. */
  filename?: string;
  /** As the client sent it; anything that is not a plain `type/subtype` becomes application/octet-stream. */
  contentType?: string;
  /** The bytes, consumed once, with backpressure. */
  data: AsyncIterable<Buffer>;
}

/** Where claimed attachments go: a conversation and exactly one of its comments or messages. */
export interface ClaimTarget {
  conversationId: string;
  commentId?: string;
  messageId?: string;
}

/** A download allowed: the file, and who is downloading it (the session a signed link was minted for). */
export interface Download {
  attachment: AttachmentEntity;
  viewer: Viewer;
}

/** The signed-link parameters of a download request, as they came in the query string. */
export interface LinkParams {
  session?: unknown;
  expires?: unknown;
  sig?: unknown;
}

/** No path, no control or invisible formatting characters, a bounded length, never empty. */
export function sanitizeFilename(raw: string | undefined): string {
  let name = (raw ?? '').normalize('NFC');
  name = name.slice(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1);
  // Cc: control characters; Cf: bidi overrides and zero-width characters that disguise extensions.
  name = name
    .replace(/\s+/g, ' ')
    .replace(/[\p{Cc}\p{Cf}]/gu, '')
    .replace(/ {2,}/g, ' ')
    .trim();
  if (/^\.*$/.test(name)) return 'file';
  const chars = Array.from(name);
  if (chars.length <= MAX_FILENAME_LENGTH) return name;
  const dot = name.lastIndexOf('.');
  const extension = dot > 0 ? Array.from(name.slice(dot)) : [];
  const keep = extension.length > 0 && extension.length <= 16 ? extension : [];
  return chars.slice(0, MAX_FILENAME_LENGTH - keep.length).join('') + keep.join('');
}

/** The essence (`type/subtype`, lower case) of a content type, or application/octet-stream. */
export function normalizeContentType(raw: string | undefined): string {
  const essence = (raw ?? '').split(';', 1)[0]!.trim().toLowerCase();
  return MIME_TYPE.test(essence) ? essence : 'application/octet-stream';
}

const isUnused = (attachment: Pick<AttachmentEntity, 'messageId' | 'commentId'>) =>
  attachment.messageId === null && attachment.commentId === null;

/**
 * Uploads, claims, visibility, signed links and the sweep of unused uploads.
 * An upload is private to its uploader until a comment or message claims it;
 * from then on it is exactly as visible as its conversation.
 */
export class AttachmentService {
  private cleanupTimer: NodeJS.Timeout | null = null;
  private cleanupRun: Promise<unknown> | null = null;

  constructor(
    private readonly dataSource: DataSource,
    private readonly config: Pick<Config, 'maxUploadBytes' | 'publicUrl' | 'sessionSecret' | 'attachmentUrlTtlSeconds'>,
    private readonly logger: Logger,
    readonly storage: AttachmentStorage,
    private readonly sessions: Pick<SessionService, 'viewerOfSession'>,
    private readonly audit: Pick<AuditService, 'record'>,
  ) {}

  /**
   * Stores an upload of the viewer, streaming: bytes are counted and hashed as
   * they arrive and written a chunk at a time. Past MAX_UPLOAD_BYTES it stops
   * reading and throws UploadTooLargeError; on any failure the row and every
   * byte already written are deleted before the error propagates.
   */
  async upload(viewer: Viewer, file: UploadedFile): Promise<AttachmentEntity> {
    const repository = this.dataSource.getRepository(AttachmentEntity);
    // The row comes first (chunks reference it); its empty sha256 marks it as still streaming.
    const attachment = await repository.save(
      repository.create({
        organizationId: viewer.organizationId,
        uploaderId: viewer.actorId,
        filename: sanitizeFilename(file.filename),
        contentType: normalizeContentType(file.contentType),
        size: 0,
        sha256: '',
        conversationId: null,
        messageId: null,
        commentId: null,
      }),
    );
    const maxBytes = this.config.maxUploadBytes;
    const hash = createHash('sha256');
    let size = 0;
    async function* metered(): AsyncIterable<Buffer> {
      for await (const piece of file.data) {
        size += piece.length;
        if (size > maxBytes) throw new UploadTooLargeError(maxBytes);
        hash.update(piece);
        yield piece;
      }
    }
    try {
      await this.storage.write(attachment.id, metered());
      attachment.size = size;
      attachment.sha256 = hash.digest('hex');
      await repository.update(attachment.id, { size: attachment.size, sha256: attachment.sha256 });
      return attachment;
    } catch (error) {
      await this.remove([attachment.id]).catch((cleanupError) =>
        // The sweep of unused uploads removes it later; the client still gets the original error.
        this.logger.warn({ err: cleanupError, attachmentId: attachment.id }, 'could not delete a failed upload'),
      );
      throw error;
    }
  }

  /** Deletes attachments (rows first, so nothing ever points at missing bytes), then their bytes. */
  async remove(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.dataSource.query(`DELETE FROM attachments WHERE id = ANY($1)`, [ids]);
    await this.storage.delete(ids);
  }

  /**
   * Attaches the viewer's own unused uploads to a new comment or message,
   * inside the caller's transaction (nothing is claimed if it rolls back).
   * Rows are locked (FOR UPDATE) before they are checked, so of two concurrent
   * claims of one upload exactly one wins; the other sees it used.
   *
   * - a malformed ID, an unknown one, another organization's, or another
   *   actor's upload: NOT_FOUND (the viewer learns nothing about it);
   * - the viewer's own upload that is already attached: FORBIDDEN, saying so;
   * - the same ID twice, or more than MAX_ATTACHMENTS_PER_POST: BAD_USER_INPUT.
   *
   * Returns the claimed attachments in the order given, which is also the
   * order `attachmentsByComment` / `attachmentsByMessage` load them in.
   */
  async claim(
    manager: EntityManager,
    viewer: Viewer,
    attachmentIds: readonly string[],
    target: ClaimTarget,
  ): Promise<AttachmentEntity[]> {
    if (attachmentIds.length === 0) return [];
    if (Boolean(target.commentId) === Boolean(target.messageId)) {
      throw new Error('claim: the target must name exactly one of commentId and messageId');
    }
    if (attachmentIds.length > MAX_ATTACHMENTS_PER_POST) {
      throw badInput(`At most ${MAX_ATTACHMENTS_PER_POST} attachments can be attached at once.`, 'attachmentIds');
    }
    const ids = attachmentIds.map((id) => decodeId(id, 'Attachment'));
    if (new Set(ids).size !== ids.length) throw badInput('The same attachment is listed more than once.', 'attachmentIds');

    const rows = await manager
      .getRepository(AttachmentEntity)
      .createQueryBuilder('a')
      .where('a.id = ANY(:ids) AND a.organization_id = :org', { ids, org: viewer.organizationId })
      .setLock('pessimistic_write')
      .getMany();
    const byId = new Map(rows.map((row) => [row.id, row]));
    const claimed = ids.map((id) => {
      const row = byId.get(id);
      if (!row || row.uploaderId !== viewer.actorId || row.sha256 === '') throw notFound();
      if (!isUnused(row)) {
        throw forbidden('This upload is already attached to another comment or message; upload the file again to attach it here.');
      }
      return row;
    });

    // Fresh sequence numbers, in the order given, so the display order is the author's order.
    const sequence: { seq: string }[] = await manager.query(
      `SELECT nextval(pg_get_serial_sequence('attachments', 'seq'))::text AS seq FROM generate_series(1, $1)`,
      [ids.length],
    );
    const seqs = sequence.map((row) => BigInt(row.seq)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).map(String);
    await manager.query(
      `UPDATE attachments AS a
          SET conversation_id = $3, comment_id = $4, message_id = $5, seq = u.seq
         FROM unnest($1::uuid[], $2::bigint[]) AS u(id, seq)
        WHERE a.id = u.id`,
      [ids, seqs, target.conversationId, target.commentId ?? null, target.messageId ?? null],
    );
    claimed.forEach((row, index) => {
      row.conversationId = target.conversationId;
      row.commentId = target.commentId ?? null;
      row.messageId = target.messageId ?? null;
      row.seq = seqs[index]!;
    });
    return claimed;
  }

  /**
   * The attachment if the viewer may see it, else null: a used one iff the
   * viewer can read its conversation, an unused one only by its uploader.
   */
  async findVisible(viewer: Viewer | null, id: string): Promise<AttachmentEntity | null> {
    if (!viewer || !isUuid(id)) return null;
    const attachment = await this.dataSource
      .getRepository(AttachmentEntity)
      .findOneBy({ id, organizationId: viewer.organizationId });
    if (!attachment || attachment.sha256 === '') return null;
    if (isUnused(attachment)) return attachment.uploaderId === viewer.actorId ? attachment : null;
    if (!attachment.conversationId) return null;
    const conversation = await this.dataSource
      .getRepository(ConversationEntity)
      .findOneBy({ id: attachment.conversationId, organizationId: viewer.organizationId });
    return conversation && conversationPolicy.canRead(viewer, conversation) ? attachment : null;
  }

  /**
   * `Attachment.url`: a link that works without headers (a plain `<a href>`).
   * It is signed for this attachment, this session and an expiry, and checked
   * again against the session's current access when used, so logging out,
   * revocation or removal from the conversation end it at once.
   */
  signedUrl(attachmentId: string, viewer: Pick<Viewer, 'sessionId'>, now = Date.now()): string {
    return this.link(attachmentId, viewer.sessionId, this.linkExpiry(now));
  }

  /**
   * The same link (attachment, expiry) signed for another session: how a
   * subscription event executed once for several subscribers gives each one
   * links of their own. Only a genuine link of ours is re-signed; anything
   * else is an error, never passed on.
   */
  relink(url: string, viewer: Pick<Viewer, 'sessionId'>): string {
    const parsed = URL.canParse(url) ? new URL(url) : null;
    const globalId = parsed && /^\/attachments\/([^/]+)\/download$/.exec(parsed.pathname)?.[1];
    const id = globalId ? parseGlobalId(decodeURIComponent(globalId)) : null;
    const session = parsed?.searchParams.get('session');
    const expires = Number(parsed?.searchParams.get('expires'));
    const sig = parsed?.searchParams.get('sig');
    if (!id || id.type !== 'Attachment' || !session || !sig || !this.signatureMatches(sig, this.signature(id.id, session, expires))) {
      throw new Error('relink: not a download link signed here');
    }
    return this.link(id.id, viewer.sessionId, expires);
  }

  private link(attachmentId: string, sessionId: string, expires: number): string {
    const query = new URLSearchParams({ session: sessionId, expires: String(expires), sig: this.signature(attachmentId, sessionId, expires) });
    return `${this.config.publicUrl}/attachments/${toGlobalId('Attachment', attachmentId)}/download?${query}`;
  }

  /** `Attachment.urlExpiresAt`: when a link signed at `now` stops working (the `expires` it carries). */
  linkExpiresAt(now: number): Date {
    return new Date(this.linkExpiry(now) * 1000);
  }

  /** The `expires` of a link signed at `now`, in whole seconds since the epoch. */
  private linkExpiry(now: number): number {
    return Math.floor(now / 1000) + this.config.attachmentUrlTtlSeconds;
  }

  /**
   * The attachment a signed link names, if the link is genuine, unexpired,
   * and its session may still see the attachment. A tampered or foreign link
   * is NOT_FOUND, like a missing file; a genuine but expired one is FORBIDDEN.
   */
  async resolveLink(globalId: string, params: LinkParams, now = Date.now()): Promise<Download> {
    const parsed = parseGlobalId(globalId);
    const { session, expires, sig } = params;
    if (
      !parsed ||
      parsed.type !== 'Attachment' ||
      !isUuid(session) ||
      typeof expires !== 'string' ||
      !/^\d{1,12}$/.test(expires) ||
      typeof sig !== 'string' ||
      !this.signatureMatches(sig, this.signature(parsed.id, session, Number(expires)))
    ) {
      throw notFound();
    }
    if (Number(expires) * 1000 <= now) throw linkExpired();
    const viewer = await this.sessions.viewerOfSession(session);
    const attachment = await this.findVisible(viewer, parsed.id);
    if (!attachment || !viewer) throw notFound();
    return { attachment, viewer };
  }

  /**
   * A download of a conversation's file is starting (not a HEAD, not a later
   * range of it): when a guest is downloading, the audit log records it.
   */
  async recordDownload({ attachment, viewer }: Download, client: Client): Promise<void> {
    if (!isGuest(viewer) || !attachment.conversationId) return;
    await this.audit.record(this.dataSource.manager, {
      organizationId: viewer.organizationId,
      action: 'ATTACHMENT_DOWNLOADED',
      actorId: viewer.actorId,
      subjectId: viewer.actorId,
      conversationId: attachment.conversationId,
      attachmentId: attachment.id,
      client,
    });
  }

  /** The bytes of an attachment, whole or one range of them. */
  read(attachment: Pick<AttachmentEntity, 'id' | 'size'>, range?: ByteRange): AsyncIterable<Buffer> {
    if (attachment.size === 0) return (async function* () {})();
    return this.storage.read(attachment.id, range ?? { start: 0, end: attachment.size - 1 });
  }

  /**
   * Deletes uploads nobody attached within UNUSED_UPLOAD_TTL_MS (and any upload
   * a crash left half-written), in batches; returns how many went.
   */
  async deleteUnusedUploads(olderThan = new Date(Date.now() - UNUSED_UPLOAD_TTL_MS)): Promise<number> {
    let total = 0;
    for (;;) {
      const gone: { id: string }[] = await this.dataSource.query(
        `WITH gone AS (
           DELETE FROM attachments
            WHERE id IN (SELECT id FROM attachments
                          WHERE message_id IS NULL AND comment_id IS NULL AND created_at < $1
                          ORDER BY created_at LIMIT 500)
           RETURNING id)
         SELECT id FROM gone`,
        [olderThan],
      );
      if (gone.length === 0) return total;
      await this.storage.delete(gone.map((row) => row.id));
      total += gone.length;
    }
  }

  /** Sweeps unused uploads every `everyMs` while the process lives (the timer never keeps it alive). */
  startCleanup(everyMs = 15 * 60 * 1000): void {
    if (this.cleanupTimer) return;
    this.cleanupTimer = setInterval(() => {
      if (this.cleanupRun) return;
      this.cleanupRun = this.deleteUnusedUploads()
        .then(
          (count) => count > 0 && this.logger.info({ count }, 'deleted unused uploads'),
          (error) => this.logger.warn({ err: error }, 'could not delete unused uploads; will retry'),
        )
        .finally(() => (this.cleanupRun = null));
    }, everyMs);
    this.cleanupTimer.unref();
  }

  /** Stops the sweep and waits for a run in progress, so the database can close under it. */
  async stopCleanup(): Promise<void> {
    if (this.cleanupTimer) clearInterval(this.cleanupTimer);
    this.cleanupTimer = null;
    await this.cleanupRun;
  }

  private signature(attachmentId: string, sessionId: string, expires: number): string {
    return createHmac('sha256', this.config.sessionSecret)
      .update(`${LINK_SIGNATURE_LABEL}\n${attachmentId}\n${sessionId}\n${expires}`)
      .digest('base64url');
  }

  private signatureMatches(given: string, expected: string): boolean {
    const a = Buffer.from(given);
    const b = Buffer.from(expected);
    return a.length === b.length && timingSafeEqual(a, b);
  }
}
