/** Figures, ratios and the one table `npm run bench` prints (and keeps in bench/RESULTS.md). */
import { execFileSync } from 'node:child_process';
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

export function machine(): { nproc: number; cpu: string; node: string; postgres: string; redis: string } {
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
  const version = (command: string, args: string[]) => {
    try {
      return execFileSync(command, args, { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    } catch {
      return 'unknown';
    }
  };
  return {
    nproc: cpus().length,
    cpu,
    node: process.version,
    postgres: version('psql', ['--version']),
    redis: version('redis-server', ['--version']).split(' ').slice(0, 3).join(' '),
  };
}

export function table(rows: readonly Row[]): string {
  const header: Row = { bench: 'bench', metric: 'metric', sidedoor: 'Sidedoor', baseline: 'baseline', ratio: 'ratio', target: 'target', verdict: '' };
  const cells = (row: Row) => [row.bench, row.metric, row.sidedoor, row.baseline ?? '-', row.ratio ?? '-', row.target ?? '-', row.verdict ?? ''];
  const all = [header, ...rows].map(cells);
  const widths = all[0]!.map((_, column) => Math.max(...all.map((line) => line[column]!.length)));
  const line = (values: string[]) => `| ${values.map((value, column) => value.padEnd(widths[column]!)).join(' | ')} |`;
  return [line(all[0]!), `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`, ...all.slice(1).map(line)].join('\n');
}

const sourceDir = join(__dirname, '..', '..', 'bench');
const RESULTS_JSON = join(sourceDir, 'results.json');
const RESULTS_MD = join(sourceDir, 'RESULTS.md');
const START = '<!-- bench:results:start (written by npm run bench) -->';
const END = '<!-- bench:results:end -->';

interface Stored {
  date: string;
  machine: ReturnType<typeof machine>;
  result: BenchResult;
}

/**
 * Keeps the latest result of each benchmark (a single `npm run bench -- B3`
 * replaces only B3's) in bench/results.json, and rewrites the generated part
 * of bench/RESULTS.md from it; the analysis around it is written by hand.
 */
export function saveResults(results: readonly BenchResult[]): void {
  const stored: Record<string, Stored> = existsSync(RESULTS_JSON) ? JSON.parse(readFileSync(RESULTS_JSON, 'utf8')) : {};
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const host = machine();
  for (const result of results) stored[result.bench] = { date: now, machine: host, result };
  const ordered = Object.keys(stored)
    .sort()
    .map((key) => stored[key]!);
  writeFileSync(RESULTS_JSON, `${JSON.stringify(Object.fromEntries(ordered.map((entry) => [entry.result.bench, entry])), null, 2)}\n`);

  const machines = [...new Set(ordered.map(({ machine: m }) => `${m.nproc} × ${m.cpu}, Node ${m.node}, ${m.postgres}, ${m.redis}`))];
  const generated = [
    START,
    '',
    `Machine: ${machines.join('; ')}.`,
    '',
    ...ordered.map(({ date, result }) => `- ${result.bench}: measured ${date}`),
    '',
    table(ordered.flatMap(({ result }) => result.rows)),
    '',
    ...ordered.flatMap(({ result }) => result.notes.map((note) => `- ${result.bench}: ${note}`)),
    '',
    END,
  ].join('\n');
  const current = existsSync(RESULTS_MD) ? readFileSync(RESULTS_MD, 'utf8') : `# Benchmark results\n\n${START}\n${END}\n`;
  const before = current.includes(START) ? current.slice(0, current.indexOf(START)) : `${current}\n`;
  const after = current.includes(END) ? current.slice(current.indexOf(END) + END.length) : '\n';
  writeFileSync(RESULTS_MD, `${before}${generated}${after}`);
}
