import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname } from 'node:path';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
};

export interface StaticOrigin {
  /** `http://127.0.0.1:<port>`: another origin than every Sidedoor test server (they listen on other ports). */
  readonly origin: string;
  close(): Promise<void>;
}

/**
 * Serves fixed files (URL path to content; `/` is `/index.html`) from an
 * origin of their own, as the host of a single-page app would. Start it
 * before the API server, whose ALLOWED_ORIGINS may then name it.
 */
export async function serveStaticOrigin(files: Record<string, string | Uint8Array>): Promise<StaticOrigin> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://static.invalid').pathname.replace(/^\/$/, '/index.html');
    const content = files[path];
    if (content === undefined) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': CONTENT_TYPES[extname(path)] ?? 'application/octet-stream', 'cache-control': 'no-store' }).end(content);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The index.html of a single-page app: an empty page that runs one script. */
export function pageRunning(script: string, title = 'Sidedoor test page'): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>${title}</title><link rel="icon" href="data:,"><script src="${script}" defer></script></head>
<body></body>
</html>
`;
}
