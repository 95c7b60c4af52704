import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { saveResults, type BenchResult, type Machine, type ResultFiles } from '../bench/report';

const here: Machine = { nproc: 2, cpu: 'Intel(R) Xeon(R) Processor', node: 'v20.20.2', postgres: 'PostgreSQL 15.20', redis: 'Redis 7.0.15' };
const laptop: Machine = { ...here, nproc: 8, cpu: 'Apple M2' };

const result = (bench: string, figure: string): BenchResult => ({
  bench,
  rows: [{ bench, metric: `${bench} metric`, sidedoor: figure, verdict: 'met' }],
  notes: [`${bench} note ${figure}`],
});
const all = (figure: string) => ['B1', 'B2', 'B3', 'B4', 'B5'].map((bench) => result(bench, figure));

describe('bench results (bench/results.json and bench/RESULTS.md)', () => {
  let dir: string;
  let files: ResultFiles;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sidedoor-bench-'));
    files = { json: join(dir, 'results.json'), markdown: join(dir, 'RESULTS.md') };
    writeFileSync(files.markdown, '# Results\n\nAnalysis written by hand.\n\n<!-- bench:results:start (written by npm run bench) -->\n<!-- bench:results:end -->\n\nMore analysis.\n');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const json = () => JSON.parse(readFileSync(files.json, 'utf8'));
  const markdown = () => readFileSync(files.markdown, 'utf8');

  it('keeps the entries of the benchmarks a partial run did not run exactly as they were', () => {
    saveResults(all('1'), { host: here, complete: true, now: new Date('2026-01-01T00:00:00Z') }, files);
    const before = json();
    expect(saveResults([result('B1', '2')], { host: here, complete: false, now: new Date('2026-02-01T00:00:00Z') }, files)).toEqual({ saved: true });
    const after = json();
    for (const bench of ['B2', 'B3', 'B4', 'B5']) expect(after[bench]).toEqual(before[bench]);
    expect(after.B1).toMatchObject({ date: '2026-02-01T00:00:00Z', result: { rows: [{ sidedoor: '2' }] } });
    expect(markdown()).toContain('- B1: measured 2026-02-01T00:00:00Z\n- B2: measured 2026-01-01T00:00:00Z');
    expect(markdown()).toMatch(/^# Results\n\nAnalysis written by hand\.\n\n<!-- bench:results:start/);
    expect(markdown()).toMatch(/<!-- bench:results:end -->\n\nMore analysis\.\n$/);
  });

  it('names one machine, and saves nothing from a partial run measured on another', () => {
    saveResults(all('1'), { host: here, complete: true }, files);
    const [jsonBefore, markdownBefore] = [readFileSync(files.json, 'utf8'), markdown()];
    expect(markdownBefore.match(/^Machine: .*$/gm)).toEqual(['Machine: 2 × Intel(R) Xeon(R) Processor, Node v20.20.2, PostgreSQL 15.20, Redis 7.0.15.']);

    const outcome = saveResults([result('B1', '2')], { host: laptop, complete: false }, files);
    expect(outcome).toEqual({ saved: false, reason: expect.stringContaining('run every benchmark') });
    expect(readFileSync(files.json, 'utf8')).toBe(jsonBefore);
    expect(markdown()).toBe(markdownBefore);

    // A complete run on the other machine replaces everything, and names that machine alone.
    saveResults(all('3'), { host: laptop, complete: true }, files);
    expect(markdown().match(/^Machine: .*$/gm)).toEqual(['Machine: 8 × Apple M2, Node v20.20.2, PostgreSQL 15.20, Redis 7.0.15.']);
    expect(Object.values(json()).every((entry: any) => entry.machine.cpu === 'Apple M2')).toBe(true);
  });

  it("rewrites the README's table between its markers, and nothing else of it", () => {
    const readme = join(dir, 'README.md');
    writeFileSync(readme, '# Sidedoor\n\n## Performance\n\nBy hand.\n\n<!-- bench:table:start (written by npm run bench) -->\nold table\n<!-- bench:table:end -->\n\nMore by hand.\n');
    saveResults(all('7'), { host: here, complete: true, now: new Date('2026-03-04T00:00:00Z') }, { ...files, readme });
    const text = readFileSync(readme, 'utf8');
    expect(text).not.toContain('old table');
    expect(text).toMatch(/^# Sidedoor\n\n## Performance\n\nBy hand\.\n\n<!-- bench:table:start/);
    expect(text).toMatch(/<!-- bench:table:end -->\n\nMore by hand\.\n$/);
    expect(text).toContain('Machine: 2 × Intel(R) Xeon(R) Processor, Node v20.20.2, PostgreSQL 15.20, Redis 7.0.15; measured 2026-03-04.');
    expect(text).toMatch(/\| B1 +\| B1 metric +\| 7 /);
  });
});
