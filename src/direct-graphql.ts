import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeaderMap, type ApolloServer, type HTTPGraphQLResponse } from '@apollo/server';
import type { Context } from './context';

/** The largest request body `/graphql` reads, on either path. */
export const GRAPHQL_BODY_LIMIT_BYTES = 1024 * 1024;

/** A body `/graphql` could not read, with the type body-parser gives the same failure (what the error answer is chosen by). */
export class BodyError extends Error {
  constructor(readonly type: 'entity.too.large' | 'entity.parse.failed') {
    super(type);
  }
}

/** A plain JSON body as body-parser's `express.json()` reads one: empty means `{}`, strict (an object or an array), a BOM ignored. */
const JSON_START = /^[\s\uFEFF]*[{[]/;

/**
 * The steps of a `/graphql` request that both paths share, in order, given
 * by app.ts: the request id and access log, CORS, who is asking, and the
 * answer to a body that could not be read.
 */
export interface GraphQLRequestSteps {
  begin(req: IncomingMessage, res: ServerResponse): string;
  cors(req: IncomingMessage, res: ServerResponse, next: () => void): void;
  context(req: IncomingMessage, requestId: string): Promise<Context>;
  bodyError(error: unknown, requestId: string): { status: number; body: unknown };
}

/**
 * Whether a request takes the direct path: a plain JSON `POST /graphql` from
 * an API client (no `Origin`: not a browser's cross-origin call, whose CORS
 * refusals stay with Express), with no query string, compression or
 * multipart upload. Everything else goes through Express.
 */
export function takesDirectPath(req: IncomingMessage): boolean {
  if (req.method !== 'POST' || req.url !== '/graphql') return false;
  const { origin, 'content-type': contentType, 'content-encoding': encoding } = req.headers;
  if (origin !== undefined || (encoding !== undefined && encoding !== 'identity')) return false;
  const type = contentType?.toLowerCase().replace(/\s+/g, '');
  return type === 'application/json' || type === 'application/json;charset=utf-8';
}

/**
 * Plain JSON `POST /graphql` answered on node:http straight into Apollo: the
 * Express path's steps without its router, body-parser and `res.send`
 * (which, per request, cost as much as executing the conversation page).
 * The answer is the one Express gives, headers and error bodies included,
 * less the ETag Express computes for every response (meaningless on a POST).
 */
export function directGraphQL(apollo: ApolloServer<Context>, steps: GraphQLRequestSteps) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const requestId = steps.begin(req, res);
    try {
      await new Promise<void>((next) => steps.cors(req, res, next));
      const body = await readJsonBody(req);
      const response = await apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest: { method: 'POST', headers: headerMapOf(req), search: '', body },
        context: () => steps.context(req, requestId),
      });
      await send(res, response);
    } catch (error) {
      // What Express's error handler does: an unreadable body's answer, or a logged 500.
      if (res.headersSent) return void res.destroy();
      const { status, body } = steps.bodyError(error, requestId);
      sendJson(res, status, body);
    }
  };
}

function headerMapOf(req: IncomingMessage): HeaderMap {
  const headers = new HeaderMap();
  for (const [key, value] of Object.entries(req.headers)) if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
  return headers;
}

/** The body, up to GRAPHQL_BODY_LIMIT_BYTES, parsed as JSON; refused as body-parser refuses it. */
function readJsonBody(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (declared > GRAPHQL_BODY_LIMIT_BYTES) return refuse(new BodyError('entity.too.large'));
    const chunks: Buffer[] = [];
    let received = 0;
    function refuse(error: BodyError) {
      // Stop reading, as body-parser does; the answer goes out and the connection closes with it.
      req.removeListener('data', onData);
      req.resume();
      reject(error);
    }
    function onData(chunk: Buffer) {
      received += chunk.length;
      if (received > GRAPHQL_BODY_LIMIT_BYTES) refuse(new BodyError('entity.too.large'));
      else chunks.push(chunk);
    }
    req.on('data', onData);
    req.once('error', reject);
    req.once('end', () => {
      if (received > GRAPHQL_BODY_LIMIT_BYTES) return;
      const text = Buffer.concat(chunks, received).toString('utf8');
      if (text.length === 0) return resolve({});
      if (!JSON_START.test(text)) return reject(new BodyError('entity.parse.failed'));
      try {
        resolve(JSON.parse(text.replace(/^\uFEFF/, '')));
      } catch {
        reject(new BodyError('entity.parse.failed'));
      }
    });
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.setHeader('content-length', Buffer.byteLength(text));
  res.end(text);
}

async function send(res: ServerResponse, response: HTTPGraphQLResponse): Promise<void> {
  for (const [key, value] of response.headers) res.setHeader(key, value);
  res.statusCode = response.status ?? 200;
  if (response.body.kind === 'complete') {
    res.setHeader('content-length', Buffer.byteLength(response.body.string));
    res.end(response.body.string);
    return;
  }
  for await (const chunk of response.body.asyncIterator) res.write(chunk);
  res.end();
}
