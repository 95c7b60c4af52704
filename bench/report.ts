/** Figures, ratios and the one table `npm run bench` prints (and keeps in bench/RESULTS.md). */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';

export type Verdict = 'met' | 'MISSED' | '';

export interface Row {
  bench: string;
  metric: string;
  sidedoor: string;
  baseline?: string;
  ratio?: string;
  target?: string;
  verdict?: Verdict;
}

/** What one benchmark reports: table rows, and notes (CPU, saturation, what was done) printed under the table. */
export interface BenchResult {
  bench: string;
  rows: Row[];
  notes: string[];
}

/** Nearest-rank percentile of unsorted values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export const mean = (values: readonly number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;

export const fixed = (value: number, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');
export const ms = (value: number) => `${fixed(value, value < 10 ? 2 : 1)} ms`;
export const kb = (bytes: number) => `${fixed(bytes / 1024, 1)} KB`;
export const ratio = (value: number, base: number) => (base > 0 && Number.isFinite(value) ? `${fixed(value / base, 2)}x` : 'n/a');
export const verdict = (ok: boolean): Verdict => (ok ? 'met' : 'MISSED');

/** What the figures were measured on: the hardware, Node, and the PostgreSQL and Redis servers the bench used. */
export interface Machine {
  nproc: number;
  cpu: string;
  node: string;
  postgres: string;
  redis: string;
}

/**
 * This machine, with the versions the PostgreSQL and Redis *servers* report
 * (not whichever `psql` or `redis-server` binary is on the PATH, which may be
 * missing or another version and made one machine read as two).
 */
export async function describeMachine(servers: { postgres: () => Promise<string>; redis: () => Promise<string> }): Promise<Machine> {
  const cpu = (() => {
    try {
      const line = readFileSync('/proc/cpuinfo', 'utf8')
        .split('\n')
        .find((entry) => entry.startsWith('model name'));
      return line ? line.split(':')[1]!.trim() : (cpus()[0]?.model ?? 'unknown');
    } catch {
      return cpus()[0]?.model ?? 'unknown';
    }
  })();
  const [postgres, redis] = await Promise.all([servers.postgres(), servers.redis()]);
  return { nproc: cpus().length, cpu, node: process.version, postgres: `PostgreSQL ${postgres}`, redis: `Redis ${redis}` };
}

/** One line naming a machine, as RESULTS.md's "Machine:" line shows it. */
export const machineName = (m: Machine) => `${m.nproc} × ${m.cpu}, Node ${m.node}, ${m.postgres}, ${m.redis}`;

export function table(rows: readonly Row[]): string {
  const header: Row = { bench: 'bench', metric: 'metric', sidedoor: 'Sidedoor', baseline: 'baseline', ratio: 'ratio', target: 'target', verdict: '' };
  const cells = (row: Row) => [row.bench, row.metric, row.sidedoor, row.baseline ?? '-', row.ratio ?? '-', row.target ?? '-', row.verdict ?? ''];
  const all = [header, ...rows].map(cells);
  const widths = all[0]!.map((_, column) => Math.max(...all.map((line) => line[column]!.length)));
  const line = (values: string[]) => `| ${values.map((value, column) => value.padEnd(widths[column]!)).join(' | ')} |`;
  return [line(all[0]!), `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`, ...all.slice(1).map(line)].join('\n');
}

const sourceDir = join(__dirname, '..', '..', 'bench');
const START = '<!-- bench:results:start (written by npm run bench) -->';
const END = '<!-- bench:results:end -->';

interface Stored {
  date: string;
  machine: Machine;
  result: BenchResult;
}

/** Where the tracked results live: bench/results.json, the generated part of bench/RESULTS.md, and the README's table. */
export interface ResultFiles {
  json: string;
  markdown: string;
  /** A file whose part between README_START and README_END becomes the table alone (the README's Performance section). */
  readme?: string;
}

const README_START = '<!-- bench:table:start (written by npm run bench) -->';
const README_END = '<!-- bench:table:end -->';

export const TRACKED_RESULTS: ResultFiles = {
  json: join(sourceDir, 'results.json'),
  markdown: join(sourceDir, 'RESULTS.md'),
  readme: join(sourceDir, '..', 'README.md'),
};

/** Replaces what lies between two markers of a file, if it has them. */
function replaceBetween(file: string, start: string, end: string, content: string): void {
  if (!existsSync(file)) return;
  const current = readFileSync(file, 'utf8');
  if (!current.includes(start) || !current.includes(end)) return;
  writeFileSync(file, `${current.slice(0, current.indexOf(start))}${start}\n\n${content}\n\n${current.slice(current.indexOf(end))}`);
}

/** What `saveResults` did: saved, or why not. */
export type SaveOutcome = { saved: true } | { saved: false; reason: string };

/**
 * Keeps the latest result of each benchmark in bench/results.json and
 * rewrites the generated part of bench/RESULTS.md from it (the analysis
 * around it is written by hand). A complete run replaces everything. A
 * partial run (`npm run bench -- B1`) replaces only its own benchmarks'
 * entries and leaves the others' exactly as they were; and since one table
 * must compare figures from one machine, a partial run measured on another
 * machine than the tracked figures (another CPU, Node, PostgreSQL or Redis)
 * saves nothing: run every benchmark there to replace them.
 */
export function saveResults(
  results: readonly BenchResult[],
  run: { host: Machine; complete: boolean; now?: Date },
  files: ResultFiles,
): SaveOutcome {
  const previous: Record<string, Stored> = !run.complete && existsSync(files.json) ? JSON.parse(readFileSync(files.json, 'utf8')) : {};
  const elsewhere = Object.values(previous).find((entry) => machineName(entry.machine) !== machineName(run.host));
  if (elsewhere) {
    return {
      saved: false,
      reason: `the tracked figures were measured on ${machineName(elsewhere.machine)}, and this run on ${machineName(run.host)}: run every benchmark (npm run bench) to replace them`,
    };
  }
  const date = (run.now ?? new Date()).toISOString().replace(/\.\d+Z$/, 'Z');
  const stored = { ...previous };
  for (const result of results) stored[result.bench] = { date, machine: run.host, result };
  const ordered = Object.keys(stored)
    .sort()
    .map((key) => stored[key]!);
  writeFileSync(files.json, `${JSON.stringify(Object.fromEntries(ordered.map((entry) => [entry.result.bench, entry])), null, 2)}\n`);

  const generated = [
    START,
    '',
    `Machine: ${machineName(run.host)}.`,
    '',
    ...ordered.map(({ date: measured, result }) => `- ${result.bench}: measured ${measured}`),
    '',
    table(ordered.flatMap(({ result }) => result.rows)),
    '',
    ...ordered.flatMap(({ result }) => result.notes.map((note) => `- ${result.bench}: ${note}`)),
    '',
    END,
  ].join('\n');
  const current = existsSync(files.markdown) ? readFileSync(files.markdown, 'utf8') : `# Benchmark results\n\n${START}\n${END}\n`;
  const before = current.includes(START) ? current.slice(0, current.indexOf(START)) : `${current}\n`;
  const after = current.includes(END) ? current.slice(current.indexOf(END) + END.length) : '\n';
  writeFileSync(files.markdown, `${before}${generated}${after}`);
  if (files.readme) {
    const dates = [...new Set(ordered.map(({ date: measured }) => measured.slice(0, 10)))].join(', ');
    replaceBetween(files.readme, README_START, README_END, [`Machine: ${machineName(run.host)}; measured ${dates}.`, '', table(ordered.flatMap(({ result }) => result.rows))].join('\n'));
  }
  return { saved: true };
}
