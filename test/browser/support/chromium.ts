import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/**
 * Debian's Chromium, driven by playwright-core (Playwright's own browser
 * downloads are out of reach here and in CI; .ci/run installs this one).
 */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Headless, and quiet: no background traffic of Chromium's own (updates, sync, field trials). */
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const INSTALL_HINT = 'apt-get install -y --no-install-recommends chromium';

/**
 * Called once by the tests' global setup, where jest shows what is printed
 * (it hides the console of a test file whose tests are all skipped). Without
 * Chromium the browser tests are skipped, and it says so; under CI=true it
 * throws instead, so CI can never pass by skipping them (.ci/run installs it).
 */
export function checkChromium(): void {
  if (existsSync(CHROMIUM_PATH)) return;
  if (process.env.CI === 'true') throw new Error(`CI=true but ${CHROMIUM_PATH} is missing: refusing to skip the browser tests (.ci/run installs it: ${INSTALL_HINT}).`);
  console.warn(`[sidedoor tests] ${CHROMIUM_PATH} not found: the browser tests (test/browser) are skipped. To run them: ${INSTALL_HINT}`);
}

/** `describe` for tests that drive Chromium: skipped without it, failing without it under CI=true. */
export function describeInBrowser(name: string, body: () => void): void {
  if (existsSync(CHROMIUM_PATH)) return describe(name, body);
  if (process.env.CI !== 'true') return describe.skip(name, body);
  describe(name, () => {
    it(`finds Chromium at ${CHROMIUM_PATH}`, () => {
      throw new Error(`CI=true but ${CHROMIUM_PATH} is missing (.ci/run installs it: ${INSTALL_HINT}).`);
    });
  });
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);
const onLoopback = (url: string) => !/^(https?|wss?):/.test(url) || LOOPBACK_HOSTS.has(new URL(url).hostname);

/** A fresh Chromium profile and one page, kept to this machine. */
export interface BrowserSession {
  readonly browser: Browser;
  readonly context: BrowserContext;
  readonly page: Page;
  /** Every request or websocket the page tried beyond loopback (the requests were refused). */
  readonly offMachine: string[];
  /** Console errors and uncaught exceptions, CSP violations among them. */
  readonly problems: string[];
  close(): Promise<void>;
}

/**
 * Launches Chromium with a 1280x800 page that may reach loopback addresses
 * only: anything else is aborted and recorded in `offMachine`, so a test can
 * assert that a page works offline.
 */
export async function openBrowser(): Promise<BrowserSession> {
  // Playwright gives every launch a fresh temporary --user-data-dir of its own.
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_FLAGS });
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const offMachine: string[] = [];
  const problems: string[] = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (onLoopback(url)) return route.continue();
    offMachine.push(url);
    return route.abort('blockedbyclient');
  });
  const page = await context.newPage();
  page.on('websocket', (socket) => {
    if (!onLoopback(socket.url())) offMachine.push(socket.url());
  });
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(error.message));
  return { browser, context, page, offMachine, problems, close: () => browser.close() };
}
