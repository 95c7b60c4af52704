import { join } from 'node:path';
import { buildOrganization, type Session } from '../support/factories';
import { startServer, type TestServer } from '../support/server';
import { bundleForBrowser } from './support/bundle';
import { describeInBrowser, openBrowser, type BrowserSession } from './support/chromium';
import { BROWSER_PROMPTLY_MS } from './support/graphiql-page';
import { pageRunning, serveStaticOrigin, type StaticOrigin } from './support/static-origin';

describeInBrowser('a single-page app served from another origin', () => {
  let listed: StaticOrigin;
  let unlisted: StaticOrigin;
  let server: TestServer;
  let browser: BrowserSession;
  let owner: Session;
  beforeAll(async () => {
    const site = { '/index.html': pageRunning('/app.js'), ...(await bundleForBrowser(join(__dirname, 'fixtures', 'cross-origin-probe.ts'))) };
    [listed, unlisted] = await Promise.all([serveStaticOrigin(site), serveStaticOrigin(site)]);
    [server, browser] = await Promise.all([startServer({ ALLOWED_ORIGINS: listed.origin }), openBrowser()]);
    owner = await buildOrganization(server, { name: 'Olivia Owner' });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await Promise.all([server?.stop(), listed?.close(), unlisted?.close()]);
  });

  /** Opens the probe page on `site` and returns what its call to the API came to. */
  const probe = async (site: StaticOrigin) => {
    await browser.page.goto(`${site.origin}/?api=${encodeURIComponent(server.graphqlUrl)}&token=${owner.token}`);
    return JSON.parse((await browser.page.locator('#outcome').textContent({ timeout: BROWSER_PROMPTLY_MS }))!);
  };

  it('calls /graphql with a bearer token when its origin is in ALLOWED_ORIGINS', async () => {
    expect(await probe(listed)).toEqual({ status: 200, body: { data: { viewer: { name: 'Olivia Owner' } } } });
  }, 30_000);

  it('cannot read the API at all when its origin is not listed', async () => {
    expect(await probe(unlisted)).toEqual({ error: 'TypeError: Failed to fetch' });
  }, 30_000);
});
