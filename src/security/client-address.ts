import type { IncomingMessage } from 'node:http';
import proxyaddr from 'proxy-addr';
import type { Config } from '../config';

/** Whether the hop-th address (0: the socket's peer) is a proxy trusted to say whom it forwards for. */
export type TrustProxy = (address: string, hop: number) => boolean;

/**
 * TRUST_PROXY compiled once, for Express (`trust proxy`, hence `req.ip`) and
 * for the websocket upgrade alike, so both transports see the same client.
 */
export function compileTrustProxy(trust: Config['trustProxy']): TrustProxy {
  if (typeof trust === 'number') return (_address, hop) => hop < trust;
  return proxyaddr.compile(trust.split(',').map((entry) => entry.trim()));
}

/** The client's address: from the socket outwards through X-Forwarded-For, the first address not trusted as a proxy. */
export function clientAddress(request: IncomingMessage, trust: TrustProxy): string | null {
  return request.socket.remoteAddress ? proxyaddr(request, trust) : null;
}
