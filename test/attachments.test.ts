import { createHash, randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { contentDisposition, parseRange } from '../src/attachment/attachment.routes';
import { normalizeContentType, sanitizeFilename } from '../src/attachment/attachment.service';
import type { Viewer } from '../src/auth/viewer';
import { DomainError, ErrorCode } from '../src/errors';
import { toGlobalId } from '../src/ids';
import { guestId } from './support/api';
import { buildGuest, buildMember, buildOrganization, type Session } from './support/factories';
import { codes, startServer, type TestServer } from './support/server';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server?.stop());

const NODE = `query ($id: ID!) { node(id: $id) { id ... on Attachment { filename contentType size url } } }`;

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');
const query = <T = any>(sql: string, params: unknown[] = [], on = server): Promise<T[]> => on.app.database.dataSource.query(sql, params);

interface Uploaded {
  status: number;
  body: any;
}

/** POSTs one file as a browser's FormData would. */
async function upload(
  token: string | null,
  data: Uint8Array,
  { filename = 'notes.txt', type = 'text/plain', on = server }: { filename?: string; type?: string; on?: TestServer } = {},
): Promise<Uploaded> {
  const form = new FormData();
  form.append('file', new Blob([data], { type }), filename);
  return post(form, token, on);
}

async function post(body: FormData | string, token: string | null, on = server, headers: Record<string, string> = {}): Promise<Uploaded> {
  const response = await fetch(`${on.url}/attachments`, {
    method: 'POST',
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    body,
  });
  return { status: response.status, body: await response.json() };
}

const CREATE_CONVERSATION = `mutation ($input: CreateConversationInput!) { createConversation(input: $input) { id } }`;
const CREATE_CHAT_ROOM = `mutation ($input: CreateChatRoomInput!) { createChatRoom(input: $input) { id } }`;
const REMOVE_GUEST = `mutation ($input: GuestConversationInput!) { removeGuestFromConversation(input: $input) { id } }`;
const ATTACHMENT_FIELDS = `attachments { id filename contentType size url }`;
const POST_COMMENT = `mutation ($input: PostCommentInput!) { postComment(input: $input) { id ${ATTACHMENT_FIELDS} } }`;
const CREATE_MESSAGE = `mutation ($input: CreateMessageInput!) { createMessage(input: $input) { id ${ATTACHMENT_FIELDS} } }`;
const REPLY = `mutation ($input: ReplyInput!) { replyToConversation(input: $input) { id ${ATTACHMENT_FIELDS} } }`;
const COMMENTS = `query ($id: ID!) { node(id: $id) { ... on Conversation { comments(first: 50) { nodes { id ${ATTACHMENT_FIELDS} } } } } }`;

/** The database id behind a global ID, for direct checks on rows. */
const uuidOf = (globalId: string) => Buffer.from(globalId, 'base64url').toString('utf8').split(':')[1]!;

/** A conversation created through the API; its global ID. */
async function buildThread(member: Session): Promise<string> {
  const response = await server.gql(CREATE_CONVERSATION, { input: { subject: 'Contract' } }, member.token);
  expect(response.errors).toBeUndefined();
  return response.data.createConversation.id;
}

async function buildChatRoom(member: Session): Promise<string> {
  const response = await server.gql(CREATE_CHAT_ROOM, { input: { name: `room-${randomBytes(3).toString('hex')}` } }, member.token);
  expect(response.errors).toBeUndefined();
  return response.data.createChatRoom.id;
}

async function postComment(author: Session, conversationId: string, attachmentIds: string[]) {
  return server.gql(POST_COMMENT, { input: { conversationId, body: 'See attached.', attachmentIds } }, author.token);
}

/** Uploads a file as `author` and posts it in a comment, through the API. */
async function attachToComment(author: Session, conversationId: string, data: Uint8Array, options: { filename?: string; type?: string } = {}) {
  const uploaded = await upload(author.token, data, options);
  expect(uploaded.status).toBe(201);
  const posted = await postComment(author, conversationId, [uploaded.body.id]);
  expect(posted.errors).toBeUndefined();
  expect(posted.data.postComment.attachments).toEqual([
    { id: uploaded.body.id, filename: uploaded.body.filename, contentType: uploaded.body.contentType, size: data.length, url: expect.any(String) },
  ]);
  return { id: uploaded.body.id as string, commentId: posted.data.postComment.id as string };
}

const commentCount = async (conversationId: string) =>
  (await query<{ n: number }>(`SELECT count(*)::int AS n FROM comments WHERE conversation_id = $1`, [uuidOf(conversationId)]))[0]!.n;

async function urlOf(id: string, token: string): Promise<string> {
  const response = await server.gql(NODE, { id }, token);
  expect(response.errors).toBeUndefined();
  return response.data.node.url;
}

async function download(url: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, { headers });
  return { status: response.status, headers: response.headers, bytes: new Uint8Array(await response.arrayBuffer()) };
}

const byToken = (id: string, token: string, headers: Record<string, string> = {}) =>
  download(`${server.url}/attachments/${id}`, { authorization: `Bearer ${token}`, ...headers });

function claim(viewer: Viewer, ids: string[], target: { conversationId: string; commentId?: string; messageId?: string }) {
  return server.app.database.dataSource.transaction((manager) => server.app.services.attachments.claim(manager, viewer, ids, target));
}

async function expectClaimError(promise: Promise<unknown>, code: string) {
  const error = await promise.then(
    () => undefined,
    (failure: unknown) => failure,
  );
  expect(error).toBeInstanceOf(DomainError);
  expect((error as DomainError).code).toBe(code);
}

const rowOf = async (globalId: string) => (await query(`SELECT * FROM attachments WHERE id = $1`, [uuidOf(globalId)]))[0];

describe('POST /attachments', () => {
  it('stores a member upload and answers 201 with its global ID, name, type and size', async () => {
    const owner = await buildOrganization(server);
    const data = randomBytes(3000);
    const response = await upload(owner.token, data, { filename: 'report.pdf', type: 'application/pdf' });
    expect(response.status).toBe(201);
    expect(response.body).toEqual({ id: expect.any(String), filename: 'report.pdf', contentType: 'application/pdf', size: 3000 });
    const row = await rowOf(response.body.id);
    expect(row).toMatchObject({ uploader_id: owner.actor.id, sha256: sha256(data), message_id: null, comment_id: null });
    expect(response.body.id).toBe(toGlobalId('Attachment', row.id));
  });

  it('stores a guest upload the same way', async () => {
    const guest = await buildGuest(server);
    const response = await upload(guest.token, Buffer.from('from the agency'));
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ filename: 'notes.txt', contentType: 'text/plain', size: 15 });
  });

  it('splits a large file into chunks and keeps every byte', async () => {
    const owner = await buildOrganization(server);
    const data = randomBytes(600 * 1024 + 17);
    const response = await upload(owner.token, data, { filename: 'big.bin', type: 'application/octet-stream' });
    expect(response.status).toBe(201);
    const row = await rowOf(response.body.id);
    const chunks = await query<{ n: number; length: number }>(
      `SELECT n, octet_length(data) AS length FROM attachment_chunks WHERE attachment_id = $1 ORDER BY n`,
      [row.id],
    );
    expect(chunks).toEqual([
      { n: 0, length: 256 * 1024 },
      { n: 1, length: 256 * 1024 },
      { n: 2, length: 88 * 1024 + 17 },
    ]);
    const fetched = await byToken(response.body.id, owner.token);
    expect(sha256(fetched.bytes)).toBe(sha256(data));
  });

  it('keeps an empty file', async () => {
    const owner = await buildOrganization(server);
    const response = await upload(owner.token, new Uint8Array(0), { filename: 'empty.txt' });
    expect(response.body).toMatchObject({ size: 0 });
    const fetched = await byToken(response.body.id, owner.token);
    expect(fetched.status).toBe(200);
    expect(fetched.headers.get('content-length')).toBe('0');
  });

  it('strips path parts and control characters from the filename and caps its length', async () => {
    const owner = await buildOrganization(server);
    const response = await upload(owner.token, Buffer.from('x'), { filename: '../../etc/pass\u202Ewd\u200B.txt' });
    expect(response.body.filename).toBe('passwd.txt');
    expect(sanitizeFilename('tab\tbell\u0007 new\nline.txt')).toBe('tab bell new line.txt');
    expect(sanitizeFilename('C:\\Users\\me\\résumé.pdf')).toBe('résumé.pdf');
    expect(sanitizeFilename('..')).toBe('file');
    expect(sanitizeFilename(undefined)).toBe('file');
    expect(sanitizeFilename(`${'a'.repeat(400)}.tar.gz`)).toBe(`${'a'.repeat(252)}.gz`);
  });

  it('records the essence of the part’s content type, application/octet-stream when the part has none', async () => {
    const owner = await buildOrganization(server);
    const withCharset = await upload(owner.token, Buffer.from('x'), { type: 'Text/CSV; charset=utf-8' });
    expect(withCharset.body.contentType).toBe('text/csv');
    const untyped = await upload(owner.token, Buffer.from('x'), { type: '' });
    expect(untyped.body.contentType).toBe('application/octet-stream');
    expect(normalizeContentType('not a type')).toBe('application/octet-stream');
    expect(normalizeContentType(undefined)).toBe('application/octet-stream');
  });

  it('answers 401 UNAUTHENTICATED without a token or with a bad one, and keeps nothing', async () => {
    const before = await query(`SELECT count(*)::int AS n FROM attachments`);
    for (const token of [null, 'sd_forged']) {
      const response = await upload(token, Buffer.from('x'));
      expect(response.status).toBe(401);
      expect(response.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    }
    expect(await query(`SELECT count(*)::int AS n FROM attachments`)).toEqual(before);
  });

  it('answers 400 to a body that is not multipart/form-data', async () => {
    const owner = await buildOrganization(server);
    const response = await post(JSON.stringify({ file: 'x' }), owner.token, server, { 'content-type': 'application/json' });
    expect(response.status).toBe(400);
    expect(response.body.errors[0]).toMatchObject({ message: expect.stringMatching(/multipart\/form-data/), extensions: { code: 'BAD_USER_INPUT' } });
  });

  it('answers 400 when no part is named "file", when there are two, or when the file part has another name; nothing is kept', async () => {
    const owner = await buildOrganization(server);
    const noFile = new FormData();
    noFile.append('comment', 'no file here');
    const twoFiles = new FormData();
    twoFiles.append('file', new Blob(['one']), 'one.txt');
    twoFiles.append('file', new Blob(['two']), 'two.txt');
    const wrongName = new FormData();
    wrongName.append('upload', new Blob(['x']), 'x.txt');
    const textOnly = new FormData();
    textOnly.append('file', 'a text field, not a file');
    for (const form of [noFile, twoFiles, wrongName, textOnly]) {
      const response = await post(form, owner.token);
      expect(response.status).toBe(400);
      expect(response.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    }
    expect(await query(`SELECT count(*)::int AS n FROM attachments WHERE uploader_id = $1`, [owner.actor.id])).toEqual([{ n: 0 }]);
  });

  it('answers 400 to a truncated multipart body and keeps nothing', async () => {
    const owner = await buildOrganization(server);
    const body = '--XyZ\r\nContent-Disposition: form-data; name="file"; filename="cut.txt"\r\nContent-Type: text/plain\r\n\r\nhalf a fi';
    const response = await post(body, owner.token, server, { 'content-type': 'multipart/form-data; boundary=XyZ' });
    expect(response.status).toBe(400);
    expect(await query(`SELECT count(*)::int AS n FROM attachments WHERE uploader_id = $1`, [owner.actor.id])).toEqual([{ n: 0 }]);
  });

  it('keeps nothing of an upload the client abandons halfway', async () => {
    const owner = await buildOrganization(server);
    const mine = () => query<{ n: number }>(`SELECT count(*)::int AS n FROM attachments WHERE uploader_id = $1`, [owner.actor.id]);
    const boundary = 'abandon';
    const req = request(`${server.url}/attachments`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${owner.token}`,
        'content-type': `multipart/form-data; boundary=${boundary}`,
        'content-length': String(10 * 1024 * 1024),
      },
    });
    req.on('error', () => {});
    req.write(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="half.bin"\r\n\r\n`);
    req.write(randomBytes(600 * 1024));
    // Wait until the server has started storing it, then hang up.
    for (let i = 0; i < 100 && (await mine())[0]!.n === 0; i += 1) await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await mine())[0]!.n).toBe(1);
    req.destroy();
    for (let i = 0; i < 100 && (await mine())[0]!.n > 0; i += 1) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await mine()).toEqual([{ n: 0 }]);
  });

  it('answers 429 RATE_LIMITED when the upload allowance is used up, before reading the file', async () => {
    const owner = await buildOrganization(server);
    const consume = jest
      .spyOn(server.app.services.rateLimits, 'consume')
      .mockRejectedValueOnce(new DomainError(ErrorCode.RATE_LIMITED, 'Too many uploads; try again in a minute.'));
    try {
      const response = await upload(owner.token, Buffer.from('x'));
      expect(consume).toHaveBeenCalledWith('upload', owner.actor.id);
      expect(response.status).toBe(429);
      expect(response.body.errors[0].extensions.code).toBe('RATE_LIMITED');
    } finally {
      consume.mockRestore();
    }
    expect(await query(`SELECT count(*)::int AS n FROM attachments WHERE uploader_id = $1`, [owner.actor.id])).toEqual([{ n: 0 }]);
  });

  it('ignores extra text fields beside the file', async () => {
    const owner = await buildOrganization(server);
    const form = new FormData();
    form.append('purpose', 'contract');
    form.append('file', new Blob(['signed']), 'signed.txt');
    const response = await post(form, owner.token);
    expect(response.status).toBe(201);
    expect(response.body.size).toBe(6);
  });

  it('keeps a non-ASCII filename intact', async () => {
    const owner = await buildOrganization(server);
    const response = await upload(owner.token, Buffer.from('x'), { filename: 'Überweisung – März 📎.pdf' });
    expect(response.body.filename).toBe('Überweisung – März 📎.pdf');
  });
});

describe('MAX_UPLOAD_BYTES', () => {
  let small: TestServer;
  beforeAll(async () => {
    small = await startServer({ MAX_UPLOAD_BYTES: '1000' });
  });
  afterAll(() => small?.stop());

  const counts = () =>
    query(`SELECT (SELECT count(*) FROM attachments)::int AS rows, (SELECT count(*) FROM attachment_chunks)::int AS chunks`, [], small);

  it('accepts a file of exactly the limit', async () => {
    const owner = await buildOrganization(small);
    const response = await upload(owner.token, randomBytes(1000), { on: small });
    expect(response.status).toBe(201);
    expect(response.body.size).toBe(1000);
  });

  it('answers 413 to a file one byte over the limit and keeps no row and no chunk', async () => {
    const owner = await buildOrganization(small);
    const before = await counts();
    const response = await upload(owner.token, randomBytes(1001), { on: small });
    expect(response.status).toBe(413);
    expect(response.body.errors[0]).toMatchObject({ message: expect.stringMatching(/1000 bytes/), extensions: { code: 'BAD_USER_INPUT' } });
    expect(await counts()).toEqual(before);
  });

  it('answers 413 to a far larger file without reading it all, and keeps nothing', async () => {
    const owner = await buildOrganization(small);
    const before = await counts();
    const response = await upload(owner.token, randomBytes(3 * 1024 * 1024), { on: small });
    expect(response.status).toBe(413);
    expect(await counts()).toEqual(before);
  });
});

describe('downloads', () => {
  let owner: Session;
  let member: Session;
  let conversationId: string;
  let guest: Session;
  let data: Buffer;
  let attachment: { id: string; commentId: string };
  // Outsiders, each with a conversation of their own.
  let otherGuest: Session;
  let otherConversation: string;
  let stranger: Session;
  let strangerConversation: string;
  let strangerGuest: Session;

  beforeAll(async () => {
    owner = await buildOrganization(server);
    member = await buildMember(server, { inviter: owner });
    conversationId = await buildThread(owner);
    guest = await buildGuest(server, { inviter: owner, conversationIds: [uuidOf(conversationId)] });
    otherConversation = await buildThread(owner);
    otherGuest = await buildGuest(server, { inviter: owner, conversationIds: [uuidOf(otherConversation)] });
    stranger = await buildOrganization(server);
    strangerConversation = await buildThread(stranger);
    strangerGuest = await buildGuest(server, { inviter: stranger, conversationIds: [uuidOf(strangerConversation)] });
    data = randomBytes(300 * 1024);
    attachment = await attachToComment(guest, conversationId, data, { filename: 'brief.pdf', type: 'application/pdf' });
  });

  it('lets a guest with access download the exact bytes through the link, with no header', async () => {
    const url = await urlOf(attachment.id, guest.token);
    expect(url).toMatch(new RegExp(`^${server.url}/attachments/${attachment.id}/download\\?`));
    const response = await download(url);
    expect(response.status).toBe(200);
    expect(sha256(response.bytes)).toBe(sha256(data));
    expect(response.headers.get('content-length')).toBe(String(data.length));
    expect(response.headers.get('content-type')).toBe('application/pdf');
    expect(response.headers.get('content-disposition')).toBe(`attachment; filename="brief.pdf"; filename*=UTF-8''brief.pdf`);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('cache-control')).toMatch(/^private/);
  });

  it('lets every member of the organization download it, by link and by token', async () => {
    const response = await download(await urlOf(attachment.id, member.token));
    expect(sha256(response.bytes)).toBe(sha256(data));
    const viaToken = await byToken(attachment.id, owner.token);
    expect(viaToken.status).toBe(200);
    expect(sha256(viaToken.bytes)).toBe(sha256(data));
    expect(viaToken.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('shows the attachment through node(id) with its name, type and size', async () => {
    const response = await server.gql(NODE, { id: attachment.id }, guest.token);
    expect(response.data.node).toMatchObject({ id: attachment.id, filename: 'brief.pdf', contentType: 'application/pdf', size: data.length });
  });

  it.each([
    ['a guest of another conversation', () => [otherGuest, otherConversation] as const],
    ['a guest of another organization', () => [strangerGuest, strangerConversation] as const],
    ['a member of another organization', () => [stranger, strangerConversation] as const],
  ])('answers 404 to %s: by node(id), by token, and by a tampered link', async (_label, who) => {
    const [outsider, theirConversation] = who();
    const node = await server.gql(NODE, { id: attachment.id }, outsider.token);
    expect(node.data).toEqual({ node: null });
    expect(codes(node)).toEqual(['NOT_FOUND']);

    const viaToken = await byToken(attachment.id, outsider.token);
    expect(viaToken.status).toBe(404);
    expect(JSON.parse(Buffer.from(viaToken.bytes).toString()).errors[0].extensions.code).toBe('NOT_FOUND');

    // Their own link, pointed at our attachment: the signature no longer matches.
    const own = await attachToComment(outsider, theirConversation, Buffer.from('mine'));
    const ownUrl = new URL(await urlOf(own.id, outsider.token));
    expect((await download(ownUrl.toString())).status).toBe(200);
    const swapped = new URL(ownUrl);
    swapped.pathname = `/attachments/${attachment.id}/download`;
    expect((await download(swapped.toString())).status).toBe(404);

    // Our link with a forged signature.
    const forged = new URL(await urlOf(attachment.id, guest.token));
    forged.searchParams.set('sig', ownUrl.searchParams.get('sig')!);
    expect((await download(forged.toString())).status).toBe(404);
  });

  it('answers 404 to a link whose expiry or session was changed', async () => {
    const url = new URL(await urlOf(attachment.id, guest.token));
    const later = new URL(url);
    later.searchParams.set('expires', String(Number(url.searchParams.get('expires')) + 3600));
    expect((await download(later.toString())).status).toBe(404);
    const otherSession = new URL(url);
    otherSession.searchParams.set('session', otherGuest.viewer.sessionId);
    expect((await download(otherSession.toString())).status).toBe(404);
    const bare = new URL(url);
    bare.search = '';
    expect((await download(bare.toString())).status).toBe(404);
  });

  it('answers 403 to a genuine link that has expired', async () => {
    const ttl = server.app.config.attachmentUrlTtlSeconds;
    const rowId = (await rowOf(attachment.id)).id;
    const stale = server.app.services.attachments.signedUrl(rowId, guest.viewer, Date.now() - (ttl + 1) * 1000);
    const response = await download(stale);
    expect(response.status).toBe(403);
    expect(JSON.parse(Buffer.from(response.bytes).toString()).errors[0]).toMatchObject({
      message: expect.stringMatching(/expired/),
      extensions: { code: 'FORBIDDEN' },
    });
  });

  it('stops a link at once when its guest loses access to the conversation', async () => {
    const leaving = await buildGuest(server, { inviter: owner, conversationIds: [uuidOf(conversationId)] });
    const url = await urlOf(attachment.id, leaving.token);
    expect((await download(url)).status).toBe(200);
    const removed = await server.gql(REMOVE_GUEST, { input: { guestId: guestId(leaving.actor), conversationId } }, owner.token);
    expect(removed.errors).toBeUndefined();
    expect((await download(url)).status).toBe(404);
  });

  it('stops a link when its session ends', async () => {
    const session = await buildMember(server, { inviter: owner });
    const url = await urlOf(attachment.id, session.token);
    await server.app.services.sessions.revoke(session.viewer.sessionId);
    expect((await download(url)).status).toBe(404);
  });

  it('answers 401 by token without a token, and 404 for a malformed or unknown ID', async () => {
    const anonymous = await download(`${server.url}/attachments/${attachment.id}`);
    expect(anonymous.status).toBe(401);
    expect((await byToken('not-an-id', owner.token)).status).toBe(404);
    expect((await byToken(toGlobalId('Attachment', '00000000-0000-4000-8000-000000000000'), owner.token)).status).toBe(404);
    expect((await byToken(toGlobalId('Comment', attachment.commentId), owner.token)).status).toBe(404);
  });

  it('shows an unused upload only to its uploader', async () => {
    const uploaded = await upload(member.token, Buffer.from('draft'));
    expect((await byToken(uploaded.body.id, member.token)).status).toBe(200);
    expect(sha256((await download(await urlOf(uploaded.body.id, member.token))).bytes)).toBe(sha256(Buffer.from('draft')));
    expect((await byToken(uploaded.body.id, owner.token)).status).toBe(404);
    const node = await server.gql(NODE, { id: uploaded.body.id }, owner.token);
    expect(codes(node)).toEqual(['NOT_FOUND']);
  });

  it('never lets a guest see an attachment of a chat room', async () => {
    const room = await buildChatRoom(owner);
    const posted = await attachToComment(member, room, Buffer.from('internal'));
    expect((await byToken(posted.id, guest.token)).status).toBe(404);
    expect((await byToken(posted.id, owner.token)).status).toBe(200);
  });

  it('serves an HTML file as a download, never sniffed or rendered', async () => {
    const html = Buffer.from('<!doctype html><script>alert(document.cookie)</script>');
    const posted = await attachToComment(guest, conversationId, html, { filename: 'résumé (final).html', type: 'text/html' });
    const response = await download(await urlOf(posted.id, member.token));
    expect(response.status).toBe(200);
    expect(Buffer.from(response.bytes).equals(html)).toBe(true);
    expect(response.headers.get('content-type')).toBe('text/html');
    expect(response.headers.get('content-disposition')).toBe(
      `attachment; filename="resume (final).html"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%28final%29.html`,
    );
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('content-security-policy')).toMatch(/sandbox/);
  });

  it('answers a Range request with exactly that slice, across chunk boundaries', async () => {
    const url = await urlOf(attachment.id, guest.token);
    const cases: Array<[string, number, number]> = [
      ['bytes=0-99', 0, 99],
      ['bytes=262000-263000', 262000, 263000],
      [`bytes=${data.length - 10}-`, data.length - 10, data.length - 1],
      ['bytes=-5', data.length - 5, data.length - 1],
      [`bytes=300000-999999999`, 300000, data.length - 1],
    ];
    for (const [range, start, end] of cases) {
      const response = await download(url, { range });
      expect(response.status).toBe(206);
      expect(response.headers.get('content-range')).toBe(`bytes ${start}-${end}/${data.length}`);
      expect(response.headers.get('content-length')).toBe(String(end - start + 1));
      expect(Buffer.from(response.bytes).equals(data.subarray(start, end + 1))).toBe(true);
    }
  });

  it('answers 416 to a range past the end, and the whole file to a malformed or multiple range', async () => {
    const url = await urlOf(attachment.id, guest.token);
    const past = await download(url, { range: `bytes=${data.length}-` });
    expect(past.status).toBe(416);
    expect(past.headers.get('content-range')).toBe(`bytes */${data.length}`);
    for (const range of ['bytes=5-1', 'pages=1-2', 'bytes=0-1,5-6']) {
      const whole = await download(url, { range });
      expect(whole.status).toBe(200);
      expect(whole.bytes.length).toBe(data.length);
    }
  });

  it('answers HEAD with the headers and no body', async () => {
    const response = await fetch(await urlOf(attachment.id, guest.token), { method: 'HEAD' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-length')).toBe(String(data.length));
    expect(response.headers.get('content-disposition')).toMatch(/^attachment;/);
    expect((await response.arrayBuffer()).byteLength).toBe(0);
  });

  it('honours If-Range only while the ETag matches', async () => {
    const first = await byToken(attachment.id, owner.token);
    const etag = first.headers.get('etag')!;
    expect((await byToken(attachment.id, owner.token, { range: 'bytes=0-9', 'if-range': etag })).status).toBe(206);
    expect((await byToken(attachment.id, owner.token, { range: 'bytes=0-9', 'if-range': '"other"' })).status).toBe(200);
  });
});

describe('attaching uploads', () => {
  let owner: Session;
  let member: Session;
  let conversationId: string;

  beforeAll(async () => {
    owner = await buildOrganization(server);
    member = await buildMember(server, { inviter: owner });
    conversationId = await buildThread(owner);
  });

  const uploadAs = async (who: Session, text = 'file') => (await upload(who.token, Buffer.from(text), { filename: `${text}.txt` })).body.id as string;
  const unused = { comment: null, message: null, conversation: null };
  const state = (globalId: string) =>
    rowOf(globalId).then((row) => ({ comment: row.comment_id, message: row.message_id, conversation: row.conversation_id }));

  it('lets a member and a guest post comments with their uploads, shown in the order given', async () => {
    const guest = await buildGuest(server, { inviter: owner, conversationIds: [uuidOf(conversationId)] });
    const [a, b, c] = [await uploadAs(member, 'a'), await uploadAs(member, 'b'), await uploadAs(member, 'c')];
    const byMember = await postComment(member, conversationId, [c, a, b]);
    expect(byMember.errors).toBeUndefined();
    expect(byMember.data.postComment.attachments.map((file: { filename: string }) => file.filename)).toEqual(['c.txt', 'a.txt', 'b.txt']);

    const d = await uploadAs(guest, 'd');
    const byGuest = await postComment(guest, conversationId, [d]);
    expect(byGuest.errors).toBeUndefined();
    expect(byGuest.data.postComment.attachments).toMatchObject([{ id: d, filename: 'd.txt' }]);

    // Read back later, by someone else, the order holds; the per-comment loader agrees.
    const read = await server.gql(COMMENTS, { id: conversationId }, guest.token);
    const comments = read.data.node.comments.nodes;
    const attachmentsOf = (id: string) => comments.find((comment: { id: string }) => comment.id === id).attachments.map((file: { id: string }) => file.id);
    expect(attachmentsOf(byMember.data.postComment.id)).toEqual([c, a, b]);
    expect(attachmentsOf(byGuest.data.postComment.id)).toEqual([d]);
    const loaded = await server.app.services.loadersFor(guest.viewer).attachmentsByComment.load(uuidOf(byMember.data.postComment.id));
    expect(loaded.map((row) => toGlobalId('Attachment', row.id))).toEqual([c, a, b]);
  });

  it('lets a member attach uploads to a new inbound message and to a reply', async () => {
    const inbound = await uploadAs(member, 'invoice');
    const created = await server.gql(
      CREATE_MESSAGE,
      { input: { conversationId, channel: 'EMAIL', from: 'client@customer.test', to: ['support@acme.test'], body: 'Invoice attached', attachmentIds: [inbound] } },
      member.token,
    );
    expect(created.errors).toBeUndefined();
    expect(created.data.createMessage.attachments).toMatchObject([{ id: inbound, filename: 'invoice.txt' }]);

    const outbound = await uploadAs(member, 'receipt');
    const replied = await server.gql(REPLY, { input: { conversationId, body: 'Receipt attached', attachmentIds: [outbound] } }, member.token);
    expect(replied.errors).toBeUndefined();
    expect(replied.data.replyToConversation.attachments).toMatchObject([{ id: outbound, filename: 'receipt.txt' }]);
    const loaded = await server.app.services.loadersFor(owner.viewer).attachmentsByMessage.load(uuidOf(replied.data.replyToConversation.id));
    expect(loaded.map((row) => toGlobalId('Attachment', row.id))).toEqual([outbound]);
    expect(await state(outbound)).toEqual({ comment: null, message: uuidOf(replied.data.replyToConversation.id), conversation: uuidOf(conversationId) });
  });

  it('refuses someone else’s upload with NOT_FOUND, posts nothing and claims nothing', async () => {
    const mine = await uploadAs(member);
    const theirs = await uploadAs(owner);
    const before = await commentCount(conversationId);
    const response = await postComment(member, conversationId, [mine, theirs]);
    expect(response.data).toBeNull();
    expect(codes(response)).toEqual(['NOT_FOUND']);
    expect(await commentCount(conversationId)).toBe(before);
    expect(await state(mine)).toEqual(unused);
    expect(await state(theirs)).toEqual(unused);
  });

  it('refuses an upload of another organization, an unknown ID and a malformed one with NOT_FOUND', async () => {
    const stranger = await buildOrganization(server);
    const foreign = await uploadAs(stranger);
    const before = await commentCount(conversationId);
    for (const id of [foreign, toGlobalId('Attachment', '00000000-0000-4000-8000-000000000000'), 'nonsense', conversationId]) {
      const response = await postComment(member, conversationId, [id]);
      expect(response.data).toBeNull();
      expect(codes(response)).toEqual(['NOT_FOUND']);
    }
    expect(await commentCount(conversationId)).toBe(before);
    expect(await state(foreign)).toEqual(unused);
  });

  it('refuses an upload that is already attached with FORBIDDEN and leaves it where it was', async () => {
    const id = await uploadAs(member);
    const first = await postComment(member, conversationId, [id]);
    expect(first.errors).toBeUndefined();
    const before = await commentCount(conversationId);
    const second = await postComment(member, conversationId, [id]);
    expect(second.data).toBeNull();
    expect(codes(second)).toEqual(['FORBIDDEN']);
    expect(second.errors![0]!.message).toMatch(/already attached/);
    expect(await commentCount(conversationId)).toBe(before);
    expect(await state(id)).toEqual({ comment: uuidOf(first.data.postComment.id), message: null, conversation: uuidOf(conversationId) });
  });

  it('refuses the same upload listed twice with BAD_USER_INPUT', async () => {
    const id = await uploadAs(member);
    const response = await postComment(member, conversationId, [id, id]);
    expect(codes(response)).toEqual(['BAD_USER_INPUT']);
    expect(await state(id)).toEqual(unused);
  });

  it('lets exactly one of two concurrent comments take one upload', async () => {
    const id = await uploadAs(member);
    const before = await commentCount(conversationId);
    const results = await Promise.all([postComment(member, conversationId, [id]), postComment(member, conversationId, [id])]);
    expect(results.map((response) => codes(response)[0] ?? 'OK').sort()).toEqual(['FORBIDDEN', 'OK']);
    expect(await commentCount(conversationId)).toBe(before + 1);
    const winner = results.find((response) => !response.errors)!;
    expect((await state(id)).comment).toBe(uuidOf(winner.data.postComment.id));
  });

  it('claims through the service seam in the order given, and checks before it writes', async () => {
    const [a, b] = [await uploadAs(member, 'a'), await uploadAs(member, 'b')];
    const [comment] = await query<{ id: string }>(
      `INSERT INTO comments (organization_id, conversation_id, author_id, body) VALUES ($1, $2, $3, 'x') RETURNING id`,
      [member.viewer.organizationId, uuidOf(conversationId), member.actor.id],
    );
    const target = { conversationId: uuidOf(conversationId), commentId: comment!.id };
    const theirs = await uploadAs(owner);
    await expectClaimError(claim(member.viewer, [a, theirs], target), 'NOT_FOUND');
    expect(await state(a)).toEqual(unused);
    const claimed = await claim(member.viewer, [b, a], target);
    expect(claimed.map((row) => toGlobalId('Attachment', row.id))).toEqual([b, a]);
    expect(claimed.every((row) => row.commentId === comment!.id && row.messageId === null && row.conversationId === target.conversationId)).toBe(true);
    await expectClaimError(claim(member.viewer, [a], target), 'FORBIDDEN');
  });
});

describe('unused uploads', () => {
  it('are deleted with their bytes after 24 hours; attached and recent ones stay', async () => {
    const owner = await buildOrganization(server);
    const conversationId = await buildThread(owner);
    const stale = (await upload(owner.token, randomBytes(300 * 1024))).body.id;
    const fresh = (await upload(owner.token, Buffer.from('fresh'))).body.id;
    const used = await attachToComment(owner, conversationId, Buffer.from('used'));
    const ids = await Promise.all([stale, fresh, used.id].map(async (id) => (await rowOf(id)).id));
    await query(`UPDATE attachments SET created_at = now() - interval '25 hours' WHERE id = ANY($1)`, [[ids[0], ids[2]]]);

    expect(await server.app.services.attachments.deleteUnusedUploads()).toBeGreaterThanOrEqual(1);

    const left = await query<{ id: string }>(`SELECT id FROM attachments WHERE id = ANY($1) ORDER BY id`, [ids]);
    expect(left.map((row) => row.id).sort()).toEqual([ids[1], ids[2]].sort());
    expect(await query(`SELECT count(*)::int AS n FROM attachment_chunks WHERE attachment_id = $1`, [ids[0]])).toEqual([{ n: 0 }]);
  });
});

describe('HTTP helpers', () => {
  it('parses single byte ranges as RFC 9110 says', () => {
    expect(parseRange(undefined, 10)).toBeNull();
    expect(parseRange('bytes=2-4', 10)).toEqual({ start: 2, end: 4 });
    expect(parseRange('bytes=-3', 10)).toEqual({ start: 7, end: 9 });
    expect(parseRange('bytes=-30', 10)).toEqual({ start: 0, end: 9 });
    expect(parseRange('bytes=8-', 10)).toEqual({ start: 8, end: 9 });
    expect(parseRange('bytes=10-', 10)).toBe('unsatisfiable');
    expect(parseRange('bytes=-0', 10)).toBe('unsatisfiable');
    expect(parseRange('bytes=0-0', 0)).toBe('unsatisfiable');
    expect(parseRange('bytes=-', 10)).toBeNull();
    expect(parseRange('bytes=1-2,4-5', 10)).toBeNull();
  });

  it('writes a Content-Disposition that survives quotes, percent signs and non-Latin names', () => {
    expect(contentDisposition('a"b\\c%20.txt')).toBe(`attachment; filename="a_b_c_20.txt"; filename*=UTF-8''a%22b%5Cc%2520.txt`);
    expect(contentDisposition('отчёт (1).pdf')).toBe(`attachment; filename="_____ (1).pdf"; filename*=UTF-8''%D0%BE%D1%82%D1%87%D1%91%D1%82%20%281%29.pdf`);
  });
});
