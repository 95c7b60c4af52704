import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { projectRoot } from '../../../src/graphiql/graphiql.assets';

/** Where browser tests leave screenshots for people to look at (gitignored). */
export const ARTIFACTS_DIR = join(projectRoot(), 'test-artifacts', 'browser');

export async function saveArtifact(name: string, content: Buffer): Promise<string> {
  await mkdir(ARTIFACTS_DIR, { recursive: true });
  const path = join(ARTIFACTS_DIR, name);
  await writeFile(path, content);
  return path;
}

/** What a screenshot holds, in numbers a test can assert: a blank page has one colour and no ink. */
export interface PngSummary {
  width: number;
  height: number;
  /** Distinct RGB colours. */
  colours: number;
  /** Share of pixels that are not close to white (any channel below 240). */
  ink: number;
}

export function summarizePng(png: Buffer): PngSummary {
  const { width, height, data } = PNG.sync.read(png);
  const colours = new Set<number>();
  let inked = 0;
  for (let offset = 0; offset < data.length; offset += 4) {
    const [red, green, blue] = [data[offset]!, data[offset + 1]!, data[offset + 2]!];
    colours.add((red << 16) | (green << 8) | blue);
    if (red < 240 || green < 240 || blue < 240) inked += 1;
  }
  return { width, height, colours: colours.size, ink: inked / (width * height) };
}
