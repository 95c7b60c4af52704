import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import { toGlobalId } from '../../src/ids';
import { buildComment, buildConversation, buildGuest, buildOrganization, PASSWORD, type Session } from '../support/factories';
import { startServer, type TestServer } from '../support/server';

/**
 * The README's Apollo Client recipe (test/browser/spa/), built now and run in
 * headless Chromium from another origin than the API, as a guest meets it:
 * log in, read a conversation newest first, page back, get a member's
 * comment live, survive a dropped socket with no duplicate and no gap, and
 * see a members-only field as "members only" while the rest shows.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const describeWithChromium = existsSync(CHROMIUM) ? describe : describe.skip;

/** Waits until `check` holds in the page, failing with `what` after `ms`. */
const until = (page: Page, check: string, what: string, ms = 15_000) =>
  page.waitForFunction(check, undefined, { timeout: ms }).catch((error: Error) => {
    throw new Error(`waited ${ms} ms for ${what}: ${error.message}`);
  });

const bodies = (page: Page) => page.$$eval('[data-testid="comments"] li', (items) => items.map((item) => item.textContent));
const ids = (page: Page) => page.$$eval('[data-testid="comments"] li', (items) => items.map((item) => item.getAttribute('data-id')));

describeWithChromium('the web app recipe in a real browser', () => {
  let api: TestServer;
  let pages: Server;
  let pageOrigin: string;
  let browser: Browser;
  let dir: string;
  let owner: Session;
  let guest: Session;
  let conversation: { uuid: string; id: string };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sidedoor-spa-'));
    await build({
      entryPoints: [join(__dirname, 'spa', 'main.ts')],
      bundle: true,
      format: 'iife',
      platform: 'browser',
      target: 'es2022',
      outfile: join(dir, 'bundle.js'),
      define: { 'process.env.NODE_ENV': '"production"' },
      logLevel: 'silent',
    });
    const files: Record<string, [string, Buffer]> = {
      '/index.html': ['text/html', readFileSync(join(__dirname, 'spa', 'index.html'))],
      '/bundle.js': ['text/javascript', readFileSync(join(dir, 'bundle.js'))],
    };
    pages = createServer((request, response) => {
      const file = files[new URL(request.url ?? '/', 'http://x').pathname];
      response.writeHead(file ? 200 : 404, { 'content-type': file?.[0] ?? 'text/plain' }).end(file?.[1] ?? 'not found');
    });
    await new Promise<void>((resolve) => pages.listen(0, '127.0.0.1', resolve));
    // Another port is another origin: every API call is cross-origin, held to ALLOWED_ORIGINS.
    pageOrigin = `http://127.0.0.1:${(pages.address() as AddressInfo).port}`;
    api = await startServer({ ALLOWED_ORIGINS: pageOrigin });

    owner = await buildOrganization(api, { name: 'Olivia Owner' });
    const created = await buildConversation(api, { creator: owner, subject: 'Lease renewal' });
    conversation = { uuid: created.id, id: toGlobalId('Conversation', created.id) };
    await api.app.services.conversations.update(owner.viewer, conversation.id, { labels: ['legal'] });
    for (let i = 1; i <= 12; i += 1) await buildComment(api, { author: owner, conversationId: created.id, body: `comment ${i}` });
    guest = await buildGuest(api, { inviter: owner, conversationIds: [created.id], name: 'Gina Guest' });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await api?.stop();
    await new Promise((resolve) => pages?.close(resolve));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const postAsOwner = async (body: string) => {
    const response = await api.gql(`mutation ($input: PostCommentInput!) { postComment(input: $input) { id } }`, { input: { conversationId: conversation.id, body } }, owner.token);
    expect(response.errors).toBeUndefined();
  };
  const liveSubscriptions = () => api.app.services.realtime.liveSubscriptions(conversation.uuid);
  const eventually = async (check: () => boolean | Promise<boolean>, what: string, ms = 15_000) => {
    const deadline = Date.now() + ms;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`waited ${ms} ms for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  it('logs a guest in, pages back, gets comments live across a dropped socket, and shows members-only fields as such', async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    await page.goto(`${pageOrigin}/index.html?api=${encodeURIComponent(api.url)}&conversation=${encodeURIComponent(conversation.id)}`);

    await page.fill('[data-testid="login"] [name="email"]', guest.email);
    await page.fill('[data-testid="login"] [name="password"]', PASSWORD);
    await page.click('[data-testid="login"] button');

    // The newest five, oldest first, with their authors' names (a fragment on Actor: possibleTypes at work).
    await until(page, `document.querySelectorAll('[data-testid="comments"] li').length === 5`, 'the first page');
    expect(await page.textContent('[data-testid="viewer"]')).toBe('Gina Guest (guest)');
    expect(await page.textContent('[data-testid="subject"]')).toBe('Lease renewal');
    expect(await bodies(page)).toEqual([8, 9, 10, 11, 12].map((i) => `Olivia Owner: comment ${i}`));
    // A members-only field: null plus FORBIDDEN kept by errorPolicy 'all'; one left out with @include for guests.
    expect(await page.textContent('[data-testid="labels"]')).toBe('members only (FORBIDDEN)');
    expect(await page.textContent('[data-testid="assignees"]')).toBe('not asked (guest)');

    // Back through the older comments with last/before.
    await page.click('[data-testid="older"]');
    await until(page, `document.querySelectorAll('[data-testid="comments"] li').length === 10`, 'the second page');
    await page.click('[data-testid="older"]');
    await until(page, `document.querySelectorAll('[data-testid="comments"] li').length === 12`, 'the last page');
    expect(await bodies(page)).toEqual(Array.from({ length: 12 }, (_, i) => `Olivia Owner: comment ${i + 1}`));
    expect(await page.isDisabled('[data-testid="older"]')).toBe(true);

    // A member's comment arrives live.
    await eventually(() => liveSubscriptions() === 1, 'the page to subscribe');
    await postAsOwner('live 1');
    await until(page, `document.querySelector('[data-testid="comments"]').textContent.includes('live 1')`, 'the live comment');

    // The socket drops; comments posted meanwhile arrive after the reconnection, once each, in order.
    await page.evaluate(`window.spa.dropSocket()`);
    await eventually(() => liveSubscriptions() === 0, 'the server to see the socket go');
    await postAsOwner('while away 1');
    await postAsOwner('while away 2');
    await until(page, `window.spa.status.connections >= 2`, 'the reconnection', 20_000);
    await until(page, `document.querySelector('[data-testid="comments"]').textContent.includes('while away 2')`, 'the missed comments');
    await eventually(() => liveSubscriptions() === 1, 'one subscription again');
    await postAsOwner('live 2');
    await until(page, `document.querySelector('[data-testid="comments"]').textContent.includes('live 2')`, 'a live comment after the reconnection');

    const shown = await ids(page);
    expect(new Set(shown).size).toBe(shown.length);
    expect((await bodies(page)).slice(12)).toEqual(['live 1', 'while away 1', 'while away 2', 'live 2'].map((body) => `Olivia Owner: ${body}`));
    expect(await page.textContent('[data-testid="count"]')).toBe('16 of 16');
    expect(problems).toEqual([]);
    await page.close();
  }, 90_000);
});
