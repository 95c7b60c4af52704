/**
 * Uploads are streamed: the server's memory does not grow with the file.
 *
 * Starts a real server in a child process (so the client's own buffers are
 * not counted; a fresh one per size) with MAX_UPLOAD_BYTES above the files, streams a 50 MiB and a
 * 200 MiB upload to POST /attachments, downloads each back, and samples the
 * server's resident set size (/proc/<pid>/status, Linux) every few
 * milliseconds. Reports the peak growth over the idle RSS and fails (exit 1)
 * above the bound.
 *
 *   npm run build && node dist/bench/upload-memory.js
 *
 * Environment: DATABASE_URL (a PostgreSQL server, the meaningful setting;
 * unset: the embedded PGlite in a temporary directory, whose own WebAssembly
 * memory then counts too), UPLOAD_MIB (sizes in MiB, "50,200"), BOUND_MIB
 * (96 with DATABASE_URL, 128 embedded).
 *
 * The growth is garbage awaiting collection (256 KiB chunk buffers and the
 * driver's copies of them, off-heap, collected once V8's external-memory
 * threshold is crossed), not retained data: it does not follow the file size
 * (PostgreSQL, several runs: 50 MiB -> 39 to 60 MiB, 200 MiB -> 43 to 66 MiB).
 * A server that held the whole file fails the 200 MiB run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const MiB = 1024 * 1024;
/** The 50 MiB of the acceptance criterion, and four times it to show the growth does not follow the size. */
const sizes = (process.env.UPLOAD_MIB ?? '50,200').split(',').map((size) => Number(size) * MiB);
// V8 collects off-heap buffers once roughly 64 MiB of them were allocated since the last collection,
// so garbage alone approaches 64 MiB; the bound leaves room for it and the live chunks, and stays far
// below the 200 MiB that a server holding the file would add. The embedded database runs inside the
// server process: its WebAssembly heap (page cache, WAL buffers; it never shrinks) counts too.
const boundBytes = Number(process.env.BOUND_MIB ?? (process.env.DATABASE_URL ? 96 : 128)) * MiB;

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

interface Run {
  size: number;
  baseline: number;
  uploadGrowth: number;
  downloadGrowth: number;
  uploadMs: number;
  intact: boolean;
}

/** One upload then one download of `size` bytes, each with the server's peak RSS growth over its idle RSS. */
async function measure(url: string, token: string, pid: number, size: number): Promise<Run> {
  await new Promise((resolve) => setTimeout(resolve, 500));
  const baseline = rssOf(pid);
  const uploadSampler = sampleRss(pid);
  const started = Date.now();
  const uploaded = await streamUpload(url, token, size);
  const uploadMs = Date.now() - started;
  const uploadPeak = uploadSampler.stop();
  if (uploaded.status !== 201) throw new Error(`upload failed: ${uploaded.status} ${uploaded.body}`);
  const { id } = JSON.parse(uploaded.body) as { id: string };

  const downloadBaseline = rssOf(pid);
  const downloadSampler = sampleRss(pid);
  const downloaded = await streamDownload(url, token, id);
  const downloadPeak = downloadSampler.stop();
  return {
    size,
    baseline,
    uploadGrowth: uploadPeak - baseline,
    downloadGrowth: downloadPeak - downloadBaseline,
    uploadMs,
    intact: downloaded.status === 200 && downloaded.bytes === size && downloaded.sha256 === uploaded.sha256,
  };
}

/** A fresh server in a child process, so every size starts from the same idle state. */
async function withServer<T>(limit: number, use: (url: string, pid: number) => Promise<T>): Promise<T> {
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
      MAX_UPLOAD_BYTES: String(limit),
      ...(dataDir ? { DATA_DIR: dataDir } : {}),
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    await waitForHealth(url, child);
    return await use(url, child.pid!);
  } finally {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const limit = Math.max(...sizes) + 14 * MiB;
  const runs: Run[] = [];
  for (const size of sizes) {
    runs.push(
      await withServer(limit, async (url, pid) => {
        const token = await signUp(url);
        // Warm up code paths, JIT and the database connection before the baseline.
        const warmUp = await streamUpload(url, token, 2 * MiB);
        if (warmUp.status !== 201) throw new Error(`warm-up upload failed: ${warmUp.status} ${warmUp.body}`);
        return measure(url, token, pid, size);
      }),
    );
  }

  console.log(`upload-memory: ${process.env.DATABASE_URL ? 'PostgreSQL' : 'embedded PGlite'}, MAX_UPLOAD_BYTES ${mib(limit)}, bound ${mib(boundBytes)}, a fresh server per size`);
  console.log('  file         idle RSS     peak growth (upload)   peak growth (download)   upload time   bytes back');
  for (const run of runs) {
    console.log(
      `  ${mib(run.size).padEnd(12)} ${mib(run.baseline).padEnd(12)} ${mib(run.uploadGrowth).padEnd(22)} ${mib(run.downloadGrowth).padEnd(24)} ` +
        `${`${run.uploadMs} ms`.padEnd(13)} ${run.intact ? 'intact (SHA-256 equal)' : 'CORRUPT'}`,
    );
  }
  const passed = runs.every((run) => run.intact && run.uploadGrowth < boundBytes && run.downloadGrowth < boundBytes);
  console.log(`  ${passed ? 'PASS' : 'FAIL'}: the growth stays under the bound whatever the file size (it is garbage awaiting collection, not the file)`);
  process.exitCode = passed ? 0 : 1;
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
