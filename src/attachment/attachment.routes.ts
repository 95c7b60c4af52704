import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import Busboy from 'busboy';
import type { Express, Request, Response } from 'express';
import { bearerToken } from '../auth/tokens';
import type { Viewer } from '../auth/viewer';
import type { Client } from '../client';
import type { Config } from '../config';
import { badInput, DomainError, ErrorCode, notFound } from '../errors';
import { parseGlobalId, toGlobalId } from '../ids';
import type { Logger } from '../logger';
import type { Services } from '../services';
import type { AttachmentEntity } from './attachment.entity';
import { UploadTooLargeError, type Download, type LinkParams } from './attachment.service';
import type { ByteRange } from './attachment.storage';

/** Room for multipart boundaries and part headers on top of MAX_UPLOAD_BYTES before a declared length is refused unread. */
const MULTIPART_OVERHEAD_BYTES = 1024 * 1024;

const STATUS: Partial<Record<ErrorCode, number>> = {
  [ErrorCode.UNAUTHENTICATED]: 401,
  [ErrorCode.FORBIDDEN]: 403,
  [ErrorCode.NOT_FOUND]: 404,
  [ErrorCode.RATE_LIMITED]: 429,
};

/**
 * The REST side of attachments (SPEC §7):
 *
 * - `POST /attachments`: multipart/form-data with one file part named `file`
 *   and a Bearer token; streamed to storage; 201 `{ id, filename, contentType, size }`.
 * - `GET /attachments/:id/download?session&expires&sig`: the signed link of
 *   `Attachment.url`, usable in a plain `<a href>`.
 * - `GET /attachments/:id` with a Bearer token, for API clients.
 *
 * Errors are JSON in the GraphQL shape (`{ errors: [{ message, extensions: { code } }] }`).
 */
export function registerAttachmentRoutes(app: Express, services: Services, config: Config, logger: Logger): void {
  app.post('/attachments', (req, res) => upload(req, res, services, config));

  app.get('/attachments/:id/download', async (req, res) => {
    let download: Download;
    try {
      download = await services.attachments.resolveLink(String(req.params.id), req.query as LinkParams);
    } catch (error) {
      return sendError(res, error);
    }
    const expires = Number((req.query as LinkParams).expires);
    const maxAge = Math.max(0, expires - Math.floor(Date.now() / 1000));
    await sendFile(req, res, services, logger, download, `private, max-age=${maxAge}`);
  });

  app.get('/attachments/:id', async (req, res) => {
    const viewer = await authenticate(req, services);
    if (!viewer) return unauthenticated(res);
    const parsed = parseGlobalId(String(req.params.id));
    const attachment = parsed?.type === 'Attachment' ? await services.attachments.findVisible(viewer, parsed.id) : null;
    if (!attachment) return sendError(res, notFound());
    await sendFile(req, res, services, logger, { attachment, viewer }, 'private, no-store');
  });
}

type UploadOutcome =
  | { kind: 'stored'; attachment: AttachmentEntity }
  | { kind: 'failed'; error: unknown }
  | { kind: 'invalid'; message: string }
  | { kind: 'aborted' };

/** `POST /attachments`: who, whether they may, whether the body can be a file, then the file itself. */
async function upload(req: Request, res: Response, services: Services, config: Config): Promise<void> {
  const viewer = await authenticate(req, services);
  if (!viewer) return unauthenticated(res);
  const refusal = await refuseBeforeReading(req, services, config, viewer);
  if (refusal) return sendError(res, refusal);
  const outcome = await receiveFile(req, services, viewer);
  respond(req, res, outcome);
}

/** The rate limit, the content type and a declared length far over the limit: all answered without reading the body. */
async function refuseBeforeReading(req: Request, services: Services, config: Config, viewer: Viewer): Promise<DomainError | null> {
  try {
    await services.rateLimits.consume('upload', viewer.actorId);
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  if (!/^multipart\/form-data\s*(;|$)/i.test(req.headers['content-type'] ?? '')) {
    return badInput('Send the file as multipart/form-data, in one part named "file".');
  }
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > config.maxUploadBytes + MULTIPART_OVERHEAD_BYTES) return new UploadTooLargeError(config.maxUploadBytes);
  return null;
}

/**
 * Streams the one part named `file` into storage. Anything but exactly one
 * such part, a malformed body, a failure or a client hanging up keeps nothing:
 * the upload in flight is ended (the service deletes what it wrote) and one
 * that had already finished is deleted.
 */
async function receiveFile(req: Request, services: Services, viewer: Viewer): Promise<UploadOutcome> {
  let parser: Busboy.Busboy;
  try {
    // Browsers send non-ASCII filenames as raw UTF-8, not latin1.
    parser = Busboy({ headers: req.headers, defParamCharset: 'utf8', limits: { files: 2, fields: 20, fieldSize: 16 * 1024, parts: 25, headerPairs: 20 } });
  } catch {
    return { kind: 'invalid', message: 'The multipart/form-data Content-Type has no boundary.' };
  }
  let pending: Promise<AttachmentEntity> | null = null;
  const outcome = await new Promise<UploadOutcome>((resolve) => {
    parser.on('file', (name, stream, info) => {
      if (name !== 'file' || pending) {
        stream.resume();
        return resolve({
          kind: 'invalid',
          message: name !== 'file' ? `Unexpected file part "${name}": send exactly one part, named "file".` : 'Send exactly one file per upload: found a second part named "file".',
        });
      }
      // The upload reads the stream through its iterator, which reports errors; this listener
      // keeps one raised before the iterator is attached (the row insert comes first) from crashing.
      stream.on('error', () => {});
      pending = services.attachments.upload(viewer, { filename: info.filename, contentType: info.mimeType, data: stream });
      // A failure (too large, storage down) answers at once, without reading the rest of the body.
      pending.catch((error) => resolve({ kind: 'failed', error }));
    });
    // Other text fields are allowed (some clients add them) and ignored.
    parser.on('field', () => {});
    parser.on('close', () => {
      if (!pending) return resolve({ kind: 'invalid', message: 'No file: send it in a part named "file", with a filename.' });
      pending.then((attachment) => resolve({ kind: 'stored', attachment }), () => {});
    });
    parser.on('error', () => resolve({ kind: 'invalid', message: 'The multipart/form-data body is malformed or incomplete.' }));
    req.on('close', () => {
      if (!req.complete) resolve({ kind: 'aborted' });
    });
    req.pipe(parser);
  });
  if (outcome.kind !== 'stored') {
    req.unpipe(parser);
    parser.destroy();
    const finished = await (pending as Promise<AttachmentEntity> | null)?.catch(() => null);
    if (finished) await services.attachments.remove([finished.id]);
  }
  return outcome;
}

function respond(req: Request, res: Response, outcome: UploadOutcome): void {
  switch (outcome.kind) {
    case 'stored': {
      const { attachment } = outcome;
      res.status(201).json({
        id: toGlobalId('Attachment', attachment.id),
        filename: attachment.filename,
        contentType: attachment.contentType,
        size: attachment.size,
      });
      return;
    }
    case 'invalid':
      return fail(res, 400, ErrorCode.BAD_USER_INPUT, outcome.message, {}, req);
    case 'failed':
      return sendError(res, outcome.error, req);
    case 'aborted':
      return;
  }
}

/**
 * Streams an attachment as a download: never rendered inline, never sniffed;
 * one byte range on request. A download from the start (not a HEAD, not a
 * later range of a resumed one) is recorded first.
 */
async function sendFile(req: Request, res: Response, services: Services, logger: Logger, download: Download, cacheControl: string) {
  const { attachment } = download;
  const etag = `"${attachment.sha256}"`;
  const ifRange = req.headers['if-range'];
  const range = ifRange === undefined || ifRange === etag ? parseRange(req.headers.range, attachment.size) : null;
  res.setHeader('Cache-Control', cacheControl);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Accept-Ranges', 'bytes');
  if (range === 'unsatisfiable') {
    res.setHeader('Content-Range', `bytes */${attachment.size}`);
    return fail(res, 416, ErrorCode.BAD_USER_INPUT, `The requested range is outside the file (${attachment.size} bytes).`);
  }
  res.setHeader('Content-Type', attachment.contentType);
  res.setHeader('Content-Disposition', contentDisposition(attachment.filename));
  // Defense in depth should a browser ever render it anyway: no scripts, no subresources.
  res.setHeader('Content-Security-Policy', "default-src 'none'; sandbox");
  res.setHeader('ETag', etag);
  if (range) {
    res.status(206);
    res.setHeader('Content-Range', `bytes ${range.start}-${range.end}/${attachment.size}`);
    res.setHeader('Content-Length', String(range.end - range.start + 1));
  } else {
    res.status(200);
    res.setHeader('Content-Length', String(attachment.size));
  }
  if (req.method !== 'HEAD' && (!range || range.start === 0)) await services.attachments.recordDownload(download, clientOf(req));
  if (req.method === 'HEAD' || attachment.size === 0) {
    res.end();
    return;
  }
  try {
    // Byte mode, so at most one chunk is read ahead of a slow client.
    await pipeline(Readable.from(services.attachments.read(attachment, range ?? undefined), { objectMode: false }), res);
  } catch (error) {
    if ((error as NodeJS.ErrnoException)?.code !== 'ERR_STREAM_PREMATURE_CLOSE') {
      logger.warn({ err: error, attachmentId: attachment.id }, 'attachment download failed mid-stream');
    }
  }
}

/**
 * One `Range: bytes=…` against a file of `size` bytes (RFC 9110 §14): a range,
 * 'unsatisfiable' (416), or null to send the whole file (no header, a
 * malformed one, or several ranges, which a server may ignore).
 */
export function parseRange(header: string | undefined, size: number): ByteRange | 'unsatisfiable' | null {
  if (typeof header !== 'string') return null;
  const match = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!match || (match[1] === '' && match[2] === '')) return null;
  if (match[1] === '') {
    const suffix = Number(match[2]);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(match[1]);
  const end = match[2] === '' ? Number.POSITIVE_INFINITY : Number(match[2]);
  if (end < start) return null;
  if (start >= size) return 'unsatisfiable';
  return { start, end: Math.min(end, size - 1) };
}

/** RFC 6266 with an RFC 5987 `filename*` for the real name and a plain-ASCII `filename` for old clients. */
export function contentDisposition(filename: string): string {
  const fallback =
    filename
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .replace(/[^\x20-\x7e]|["\\%]/g, '_') || 'file';
  const encoded = encodeURIComponent(filename).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}

/** The client as TRUST_PROXY reads it (Express's `req.ip`), as the GraphQL context has it. */
const clientOf = (req: Request): Client => ({ ip: req.ip ?? null, userAgent: req.headers['user-agent'] ?? null });

async function authenticate(req: Request, services: Services): Promise<Viewer | null> {
  const token = bearerToken(req.headers.authorization);
  return token ? services.sessions.authenticate(token) : null;
}

function unauthenticated(res: Response): void {
  res.setHeader('WWW-Authenticate', 'Bearer');
  fail(res, 401, ErrorCode.UNAUTHENTICATED, 'You must be logged in: send a valid "Authorization: Bearer <token>" header.', {}, res.req);
}

function sendError(res: Response, error: unknown, req?: Request): void {
  if (error instanceof UploadTooLargeError) {
    return fail(res, 413, error.code, error.message, error.extensions, req);
  }
  if (error instanceof DomainError) {
    return fail(res, STATUS[error.code] ?? 400, error.code, error.message, error.extensions, req);
  }
  throw error;
}

/**
 * A JSON error. When the request body was not read to the end, the
 * connection closes after the answer, so an unread upload is not drained.
 */
function fail(res: Response, status: number, code: string, message: string, extensions: Record<string, unknown> = {}, req?: Request): void {
  if (req && !req.complete) res.setHeader('Connection', 'close');
  res.status(status).json({ errors: [{ message, extensions: { ...extensions, code } }] });
}
