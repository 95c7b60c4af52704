import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DEMO_PASSWORD } from '../src/demo';
import { freePort } from './support/server';
import { within } from './support/websocket';

const RUN = join(__dirname, 'support', 'run-main.js');

interface Started {
  child: ChildProcess;
  port: number;
  exited: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

/** Runs src/main.ts (or another entry) in a child process on the embedded database in `dataDir`. */
async function run(dataDir: string, env: Record<string, string> = {}, entry = 'src/main.ts'): Promise<Started> {
  const port = await freePort();
  const child = spawn(process.execPath, [RUN, entry], {
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'development', PORT: String(port), PASSWORD_HASH_COST: '10', LOG_LEVEL: 'silent', DATA_DIR: dataDir, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk) => (stdout += chunk));
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => child.once('exit', (code) => done({ code, stdout, stderr })));
  return { child, port, exited };
}

async function healthy(started: Started): Promise<void> {
  const answered = async () => {
    for (;;) {
      if (started.child.exitCode !== null) throw new Error(`the server exited: ${(await started.exited).stderr}`);
      if (await fetch(`http://127.0.0.1:${started.port}/healthz`).then((response) => response.ok, () => false)) return;
      await new Promise((wait) => setTimeout(wait, 100));
    }
  };
  await within(answered(), 40_000, 'the server to answer /healthz');
}

async function stop(started: Started): Promise<void> {
  if (started.child.exitCode === null && started.child.signalCode === null) started.child.kill('SIGTERM');
  await within(started.exited, 15_000, 'the server to exit');
}

const logIn = (port: number, email: string, password: string) =>
  fetch(`http://127.0.0.1:${port}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: `mutation ($input: LogInInput!) { logIn(input: $input) { token } }`, variables: { input: { email, password } } }),
  }).then((response) => response.json() as Promise<{ data: unknown; errors?: Array<{ extensions: { code: string } }> }>);

describe('the embedded database directory', () => {
  const dataDirs: string[] = [];
  const newDataDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'sidedoor-lock-'));
    dataDirs.push(dir);
    return join(dir, 'pglite');
  };
  afterAll(() => dataDirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it('belongs to one process: a second server or migrate exits 1 naming the directory, and starts once the first has stopped', async () => {
    const dataDir = newDataDir();
    const first = await run(dataDir);
    try {
      await healthy(first);
      for (const entry of ['src/main.ts', 'src/migrate.ts']) {
        const second = await run(dataDir, {}, entry);
        const { code, stderr } = await within(second.exited, 30_000, `the second ${entry} to exit`);
        expect([entry, code]).toEqual([entry, 1]);
        expect(stderr).toContain(`is using the embedded database in ${resolve(dataDir)}`);
        expect(stderr).toContain('Stop the other process first, or give this one its own DATA_DIR');
      }
      // The first one is untouched.
      expect(first.child.exitCode).toBeNull();
      expect((await logIn(first.port, 'owner@demo.sidedoor.test', DEMO_PASSWORD)).errors).toBeUndefined();
    } finally {
      await stop(first);
    }
    const third = await run(dataDir);
    try {
      await healthy(third);
    } finally {
      await stop(third);
    }
  }, 120_000);

  it('gets no demo organization in production', async () => {
    const dataDir = newDataDir();
    const server = await run(dataDir, { NODE_ENV: 'production', SESSION_SECRET: 'a-production-secret-of-at-least-32-chars', SMTP_URL: 'smtp://127.0.0.1:9' });
    try {
      await healthy(server);
      const response = await logIn(server.port, 'owner@demo.sidedoor.test', DEMO_PASSWORD);
      expect(response.errors?.map((error) => error.extensions.code)).toEqual(['UNAUTHENTICATED']);
    } finally {
      await stop(server);
    }
    expect((await server.exited).stdout).not.toContain('Demo organization');
  }, 60_000);
});
