/**
 * Uploads are streamed: the server's memory does not grow with the file.
 *
 * Starts a real server in a child process (so the client's own buffers are
 * not counted) with MAX_UPLOAD_BYTES above the file, streams a 50 MiB upload
 * to POST /attachments, downloads it back, and samples the server's resident
 * set size (/proc/<pid>/status, Linux) every few milliseconds. Reports the
 * peak growth over the idle baseline and fails (exit 1) above the bound.
 *
 *   npm run build && node dist/bench/upload-memory.js
 *
 * Environment: DATABASE_URL (a PostgreSQL server, the meaningful setting;
 * unset: the embedded PGlite in a temporary directory, whose own WebAssembly
 * memory then counts too), UPLOAD_MIB (50), BOUND_MIB (64 with DATABASE_URL,
 * 128 embedded).
 *
 * The growth is garbage awaiting collection (256 KiB chunk buffers and driver
 * messages), not retained data: it stays flat as the file grows (PostgreSQL,
 * one run each: 10 MiB -> 30 MiB, 50 MiB -> 46 MiB, 200 MiB -> 43 MiB).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const MiB = 1024 * 1024;
const uploadBytes = Number(process.env.UPLOAD_MIB ?? 50) * MiB;
// The embedded database runs inside the server process: its WebAssembly heap (page cache, WAL
// buffers; it never shrinks) counts in the RSS too. Measured flat at ~76 MiB for 50 and 150 MiB files.
const boundBytes = Number(process.env.BOUND_MIB ?? (process.env.DATABASE_URL ? 64 : 128)) * MiB;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = /VmRSS:\s+(\d+) kB/.exec(status);
  if (!kib) throw new Error('no VmRSS in /proc/<pid>/status: this benchmark needs Linux');
  return Number(kib[1]) * 1024;
}

/** Samples a process's RSS until stopped; reports the peak. */
function sampleRss(pid: number, everyMs = 5) {
  let peak = rssOf(pid);
  const timer = setInterval(() => {
    peak = Math.max(peak, rssOf(pid));
  }, everyMs);
  return {
    stop(): number {
      clearInterval(timer);
      return Math.max(peak, rssOf(pid));
    },
  };
}

async function waitForHealth(url: string, child: ChildProcess): Promise<void> {
  for (let attempt = 0; attempt < 300; attempt += 1) {
    if (child.exitCode !== null) throw new Error(`the server exited with code ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the server did not become healthy within 30 s');
}

async function signUp(url: string): Promise<string> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      query: `mutation ($input: SignUpInput!) { signUp(input: $input) { token } }`,
      variables: {
        input: { organizationName: 'Bench', name: 'Bea Bench', email: `bench-${Date.now()}@example.test`, password: 'correct horse battery' },
      },
    }),
  });
  const body = (await response.json()) as { data?: { signUp: { token: string } }; errors?: unknown };
  if (!body.data) throw new Error(`signUp failed: ${JSON.stringify(body.errors)}`);
  return body.data.signUp.token;
}

/** Streams `size` bytes of a repeated random block as one multipart file part; never holds the file. */
function streamUpload(url: string, token: string, size: number): Promise<{ status: number; body: string; sha256: string }> {
  const boundary = `bench${randomBytes(8).toString('hex')}`;
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const block = randomBytes(64 * 1024);
  const hash = createHash('sha256');
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}/attachments`,
      {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': `multipart/form-data; boundary=${boundary}`,
          'content-length': String(head.length + size + tail.length),
        },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, sha256: hash.digest('hex') }));
      },
    );
    req.on('error', reject);
    let sent = 0;
    const pump = () => {
      while (sent < size) {
        const piece = block.subarray(0, Math.min(block.length, size - sent));
        hash.update(piece);
        sent += piece.length;
        if (!req.write(piece)) return void req.once('drain', pump);
      }
      req.end(tail);
    };
    req.write(head);
    pump();
  });
}

async function streamDownload(url: string, token: string, id: string): Promise<{ status: number; bytes: number; sha256: string }> {
  const response = await fetch(`${url}/attachments/${id}`, { headers: { authorization: `Bearer ${token}` } });
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    hash.update(chunk);
    bytes += chunk.length;
  }
  return { status: response.status, bytes, sha256: hash.digest('hex') };
}

const mib = (bytes: number) => `${(bytes / MiB).toFixed(1)} MiB`;

async function main(): Promise<void> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const dataDir = process.env.DATABASE_URL ? null : mkdtempSync(join(tmpdir(), 'sidedoor-bench-'));
  const child = spawn(process.execPath, [join(__dirname, '..', 'src', 'main.js')], {
    env: {
      ...process.env,
      NODE_ENV: 'development',
      PORT: String(port),
      PUBLIC_URL: url,
      LOG_LEVEL: 'warn',
      MAX_UPLOAD_BYTES: String(uploadBytes + 14 * MiB),
      ...(dataDir ? { DATA_DIR: dataDir } : {}),
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    await waitForHealth(url, child);
    const token = await signUp(url);
    // Warm up code paths, JIT and the database connection before the baseline.
    const warmUp = await streamUpload(url, token, 2 * MiB);
    if (warmUp.status !== 201) throw new Error(`warm-up upload failed: ${warmUp.status} ${warmUp.body}`);
    await new Promise((resolve) => setTimeout(resolve, 500));

    const baseline = rssOf(child.pid!);
    const uploadSampler = sampleRss(child.pid!);
    const started = Date.now();
    const uploaded = await streamUpload(url, token, uploadBytes);
    const uploadMs = Date.now() - started;
    const uploadPeak = uploadSampler.stop();
    if (uploaded.status !== 201) throw new Error(`upload failed: ${uploaded.status} ${uploaded.body}`);
    const { id, size } = JSON.parse(uploaded.body) as { id: string; size: number };

    const downloadBaseline = rssOf(child.pid!);
    const downloadSampler = sampleRss(child.pid!);
    const downloaded = await streamDownload(url, token, id);
    const downloadPeak = downloadSampler.stop();

    const uploadGrowth = uploadPeak - baseline;
    const downloadGrowth = downloadPeak - downloadBaseline;
    const intact = downloaded.status === 200 && downloaded.bytes === size && downloaded.sha256 === uploaded.sha256;
    const bounded = uploadGrowth < boundBytes && downloadGrowth < boundBytes;

    console.log(`upload-memory (${process.env.DATABASE_URL ? 'PostgreSQL' : 'embedded PGlite'})`);
    console.log(`  file                       ${mib(uploadBytes)} (server limit ${mib(uploadBytes + 14 * MiB)})`);
    console.log(`  server RSS before upload   ${mib(baseline)}`);
    console.log(`  peak RSS growth, upload    ${mib(uploadGrowth)}  (${((uploadGrowth / uploadBytes) * 100).toFixed(0)}% of the file; bound ${mib(boundBytes)})`);
    console.log(`  peak RSS growth, download  ${mib(downloadGrowth)}  (${((downloadGrowth / uploadBytes) * 100).toFixed(0)}% of the file)`);
    console.log(`  upload time                ${uploadMs} ms (${(uploadBytes / MiB / (uploadMs / 1000)).toFixed(1)} MiB/s)`);
    console.log(`  bytes back intact          ${intact ? 'yes (SHA-256 equal)' : 'NO'}`);
    console.log(`  result                     ${bounded && intact ? 'PASS' : 'FAIL'}`);
    process.exitCode = bounded && intact ? 0 : 1;
  } finally {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
