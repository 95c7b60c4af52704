/**
 * Servers under test run in child processes, so each one's CPU and memory can
 * be read on its own: CPU from /proc/<pid>/stat (the kernel's count, whatever
 * the process is doing), memory and SQL statement counts over the IPC channel.
 */
import { fork, execFileSync, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeHeapSnapshot } from 'node:v8';

/** What a child reports about itself. */
export interface ChildStats {
  statements?: number;
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  [key: string]: unknown;
}

export interface Child {
  readonly name: string;
  readonly pid: number;
  readonly port: number;
  /** Asks the child for its stats; `gc: true` collects garbage first (children run with --expose-gc). */
  stats(options?: { gc?: boolean }): Promise<ChildStats>;
  /** Writes a V8 heap snapshot of the child to `path` (for Chrome DevTools' Memory tab). */
  heapSnapshot(path: string): Promise<string>;
  /** Asks the child's own `handle` hook (see serveParent) and resolves with its answer. */
  ask(type: string, payload?: Record<string, unknown>): Promise<any>;
  /** Listens to what the child reports unasked (see serveParent's `emit`). */
  onEvent(listener: (event: Record<string, unknown>) => void): void;
  stop(): Promise<void>;
}

// ---- child side -----------------------------------------------------------

type Request =
  | { id: number; type: 'stats'; gc?: boolean }
  | { id: number; type: 'snapshot'; path: string }
  | { id: number; type: 'stop' }
  | { id: number; type: 'ask'; ask: string; payload: Record<string, unknown> };

/**
 * Called by a child entry once it listens: answers the parent's requests.
 * `extra` adds fields (e.g. the SQL statement count) to every stats answer;
 * `handle` answers the child's own requests (Child.ask).
 */
export function serveParent(
  port: number,
  hooks: { extra?: () => Record<string, unknown>; stop: () => Promise<void>; handle?: (type: string, payload: Record<string, unknown>) => Promise<unknown> },
): void {
  if (!process.send) throw new Error('this script is started by bench/run.ts');
  process.on('message', async (request: Request) => {
    if (request.type === 'ask') {
      process.send!({ id: request.id, answer: await hooks.handle?.(request.ask, request.payload) });
    } else if (request.type === 'stats') {
      if (request.gc && global.gc) {
        // Two passes: the first may only promote what the second frees.
        global.gc();
        global.gc();
      }
      const memory = process.memoryUsage();
      process.send!({ id: request.id, stats: { ...memory, ...hooks.extra?.() } });
    } else if (request.type === 'snapshot') {
      process.send!({ id: request.id, path: writeHeapSnapshot(request.path) });
    } else if (request.type === 'stop') {
      await hooks.stop().catch(() => undefined);
      process.send!({ id: request.id, stopped: true }, () => process.exit(0));
    }
  });
  // The parent died: nothing left to serve.
  process.on('disconnect', () => process.exit(0));
  process.send({ ready: true, port });
}

/** Reports an event to the parent unasked (Child.onEvent there). */
export function emit(event: Record<string, unknown>): void {
  process.send?.({ event });
}

// ---- parent side ----------------------------------------------------------

/** Forks `dist/bench/<script>.js` with the environment given, and waits for its port. */
export function startChild(name: string, script: string, env: Record<string, string>, execArgv: string[] = []): Promise<Child> {
  // BENCH_CPU_PROF=<dir>: every server writes a V8 CPU profile there when it stops (open it in Chrome DevTools).
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`, `--cpu-prof-name=${name}-${Date.now()}.cpuprofile`] : [];
  const child: ChildProcess = fork(join(__dirname, `${script}.js`), [], {
    env: { ...process.env, ...env },
    execArgv: ['--expose-gc', ...profile, ...execArgv],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let nextId = 1;
  const pending = new Map<number, (message: any) => void>();
  const listeners: Array<(event: Record<string, unknown>) => void> = [];
  return new Promise<Child>((resolve, reject) => {
    const failed = (code: number | null) => reject(new Error(`${name} exited with code ${code} before it was ready`));
    child.once('exit', failed);
    child.on('message', (message: any) => {
      if (message.ready) {
        child.off('exit', failed);
        resolve(handle(message.port));
      } else if (message.event) {
        for (const listener of listeners) listener(message.event);
      } else if (pending.has(message.id)) {
        pending.get(message.id)!(message);
        pending.delete(message.id);
      }
    });
  });

  function ask(request: Record<string, unknown>): Promise<any> {
    const id = nextId++;
    return new Promise((resolve, reject) => {
      if (!child.connected) return reject(new Error(`${name} is not running`));
      pending.set(id, resolve);
      child.send({ ...request, id });
    });
  }

  function handle(port: number): Child {
    return {
      name,
      pid: child.pid!,
      port,
      async stats(options = {}) {
        return (await ask({ type: 'stats', gc: options.gc ?? false })).stats;
      },
      async heapSnapshot(path) {
        return (await ask({ type: 'snapshot', path })).path;
      },
      async ask(type, payload = {}) {
        return (await ask({ type: 'ask', ask: type, payload })).answer;
      },
      onEvent(listener) {
        listeners.push(listener);
      },
      async stop() {
        if (child.exitCode !== null) return;
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await ask({ type: 'stop' }).catch(() => undefined);
        await exited;
        clearTimeout(timer);
      },
    };
  }
}

// ---- CPU accounting -------------------------------------------------------

const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU seconds (user + system) a process has used, or null once it is gone. */
export function cpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces: fields are counted after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return null;
  }
}

/** Process ids whose command name is `comm` (e.g. every PostgreSQL backend). */
export function pidsNamed(comm: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === comm) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

function machineTicks(): { busy: number; total: number } {
  const [, ...values] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
  const numbers = values.map(Number);
  const idle = numbers[3]! + (numbers[4] ?? 0);
  const total = numbers.slice(0, 8).reduce((sum, n) => sum + n, 0);
  return { busy: total - idle, total };
}

/** A group of processes measured together: a named child, "postgres", "redis", this process. */
export type CpuGroup = { name: string; pids: () => number[] };

export interface CpuReport {
  wallSeconds: number;
  /** Percent of one core per group, over the wall time. */
  percent: Record<string, number>;
  /** Busy share of the whole machine (every core), in percent. */
  machine: number;
}

/** Starts measuring; the returned function stops and reports. */
export function measureCpu(groups: CpuGroup[]): () => CpuReport {
  const started = process.hrtime.bigint();
  const machineStart = machineTicks();
  const before = new Map<string, Map<number, number>>();
  for (const group of groups) {
    before.set(group.name, new Map(group.pids().map((pid) => [pid, cpuSeconds(pid) ?? 0])));
  }
  return () => {
    const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    const machineEnd = machineTicks();
    const percent: Record<string, number> = {};
    for (const group of groups) {
      const start = before.get(group.name)!;
      let used = 0;
      // Processes started meanwhile (new PostgreSQL backends) count from zero.
      for (const pid of new Set([...start.keys(), ...group.pids()])) {
        const end = cpuSeconds(pid);
        if (end !== null) used += end - (start.get(pid) ?? 0);
      }
      percent[group.name] = (100 * used) / wallSeconds;
    }
    const machine = (100 * (machineEnd.busy - machineStart.busy)) / Math.max(1, machineEnd.total - machineStart.total);
    return { wallSeconds, percent, machine };
  };
}

/**
 * PostgreSQL backends serving one database: their process titles read
 * "postgres: [cluster: ]<user> <database> <client> <state>", so other
 * people's work on the same server is left out.
 */
export function postgresBackendsOf(database: string): number[] {
  return pidsNamed('postgres').filter((pid) => {
    try {
      const title = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      return /^postgres: (?:\S+: )?\S+ (\S+) /.exec(title)?.[1] === database;
    } catch {
      return false;
    }
  });
}

/** The usual groups: named children, this process (the load generator), the bench database's PostgreSQL backends, Redis. */
export function cpuGroups(children: Child[], database: string, loadGenerator = 'load generator'): CpuGroup[] {
  return [
    ...children.map((child) => ({ name: child.name, pids: () => [child.pid] })),
    { name: loadGenerator, pids: () => [process.pid] },
    { name: 'postgres', pids: () => postgresBackendsOf(database) },
    { name: 'redis', pids: () => pidsNamed('redis-server') },
  ];
}
