import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { toGlobalId } from '../../src/ids';
import { buildComment, buildConversation, buildGuest, buildOrganization, PASSWORD, type Session } from '../support/factories';
import { startServer, type TestServer } from '../support/server';
import { bundleForBrowser } from './support/bundle';
import { describeInBrowser, openBrowser, type BrowserSession } from './support/chromium';
import { saveArtifact, summarizePng } from './support/screenshot';
import { serveStaticOrigin, type StaticOrigin } from './support/static-origin';

/**
 * The README's Apollo Client recipe (test/browser/spa/), built now and run in
 * headless Chromium from another origin than the API, as a guest meets it:
 * log in, read a conversation newest first, page back, get a member's
 * comment live, survive a dropped socket with no duplicate and no gap, and
 * see a members-only field as "members only" while the rest shows.
 */
/** Waits until `check` holds in the page, failing with `what` after `ms`. */
const until = (page: Page, check: string, what: string, ms = 15_000) =>
  page.waitForFunction(check, undefined, { timeout: ms }).catch((error: Error) => {
    throw new Error(`waited ${ms} ms for ${what}: ${error.message}`);
  });

const bodies = (page: Page) => page.$$eval('[data-testid="comments"] li', (items) => items.map((item) => item.textContent));
const ids = (page: Page) => page.$$eval('[data-testid="comments"] li', (items) => items.map((item) => item.getAttribute('data-id')));

describeInBrowser('the web app recipe in a real browser', () => {
  let api: TestServer;
  let site: StaticOrigin;
  let browser: BrowserSession;
  let owner: Session;
  let guest: Session;
  let conversation: { uuid: string; id: string };

  beforeAll(async () => {
    // The recipe bundled now, served from another origin than the API: every call is cross-origin, held to ALLOWED_ORIGINS.
    const bundle = await bundleForBrowser(join(__dirname, 'spa', 'main.ts'), 'bundle');
    site = await serveStaticOrigin({ '/index.html': readFileSync(join(__dirname, 'spa', 'index.html')), ...bundle });
    api = await startServer({ ALLOWED_ORIGINS: site.origin });

    owner = await buildOrganization(api, { name: 'Olivia Owner' });
    const created = await buildConversation(api, { creator: owner, subject: 'Lease renewal' });
    conversation = { uuid: created.id, id: toGlobalId('Conversation', created.id) };
    await api.app.services.conversations.update(owner.viewer, conversation.id, { labels: ['legal'] });
    for (let i = 1; i <= 12; i += 1) await buildComment(api, { author: owner, conversationId: created.id, body: `comment ${i}` });
    guest = await buildGuest(api, { inviter: owner, conversationIds: [created.id], name: 'Gina Guest' });
    browser = await openBrowser();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await Promise.all([api?.stop(), site?.close()]);
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
    const { page } = browser;
    await page.goto(`${site.origin}/index.html?api=${encodeURIComponent(api.url)}&conversation=${encodeURIComponent(conversation.id)}`);

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
    // Re-rendered from the cache since, the refused field is still shown as refused.
    expect(await page.textContent('[data-testid="labels"]')).toBe('members only (FORBIDDEN)');
    expect(browser.offMachine).toEqual([]);
    expect(browser.problems).toEqual([]);

    // What people see: saved for the README (npm run docs:screenshot), and checked not to be blank.
    const screenshot = await page.screenshot();
    await saveArtifact('web-app.png', screenshot);
    const picture = summarizePng(screenshot);
    expect(picture.colours).toBeGreaterThan(20);
    expect(picture.ink).toBeGreaterThan(0.01);
  }, 90_000);
});
