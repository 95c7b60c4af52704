import { untilLive, conversationOf, postComment } from '../realtime/helpers';
import { buildMember, buildOrganization, PASSWORD } from '../support/factories';
import { startServer, type TestServer } from '../support/server';
import { describeInBrowser, openBrowser, type BrowserSession } from './support/chromium';
import { BROWSER_PROMPTLY_MS, GraphiQLPage } from './support/graphiql-page';
import { saveArtifact, summarizePng } from './support/screenshot';

describeInBrowser('GraphiQL in Chromium', () => {
  let server: TestServer;
  let browser: BrowserSession;
  beforeAll(async () => {
    [server, browser] = await Promise.all([startServer(), openBrowser()]);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('logs in, queries, and shows a comment posted by someone else arrive live on a subscription, with nothing loaded from off this machine', async () => {
    const owner = await buildOrganization(server, { name: 'Olivia Owner', organizationName: 'Acme Lettings' });
    const member = await buildMember(server, { inviter: owner, name: 'Max Member' });
    const conversation = await conversationOf(server, owner, 'Lease renewal');
    const graphiql = new GraphiQLPage(browser.page);
    await graphiql.open(server.graphqlUrl);

    await graphiql.typeOperation(`mutation { logIn(input: { email: "${owner.email}", password: "${PASSWORD}" }) { token } }`);
    await graphiql.run();
    const [, token] = await graphiql.responseMatching(/"token": "(sd_[\w-]+)"/);

    await graphiql.typeHeaders(`{ "Authorization": "Bearer ${token}" }`);
    await graphiql.typeOperation('{ viewer { name isGuest } }');
    await graphiql.run();
    await graphiql.responseMatching(/"viewer": \{ "name": "Olivia Owner", "isGuest": false \}/);

    const sent: string[] = [];
    browser.page.on('websocket', (socket) => socket.on('framesent', (frame) => sent.push(String(frame.payload))));
    const connected = browser.page.waitForEvent('websocket', { timeout: BROWSER_PROMPTLY_MS });
    await graphiql.typeOperation('subscription CommentAdded($id: ID!) { commentAdded(conversationId: $id) { body author { name } createdAt } }');
    await graphiql.typeVariables(`{ "id": "${conversation.id}" }`);
    await graphiql.prettify();
    await graphiql.run();
    expect((await connected).url()).toBe(server.wsUrl);
    await untilLive(server, conversation);
    await postComment(server, member.token, conversation, 'The landlord agreed to the new terms.');
    await graphiql.responseMatching(/"commentAdded": \{ "body": "The landlord agreed to the new terms.", "author": \{ "name": "Max Member" \}/);
    // What the header editor held is what authenticated the websocket.
    expect(sent.map((frame) => JSON.parse(frame)).find((message) => message.type === 'connection_init')).toEqual({
      type: 'connection_init',
      payload: { Authorization: `Bearer ${token}` },
    });

    // Tabs and history (headers and the password included) stay in the tab's sessionStorage; nothing outlives it.
    const stored = await graphiql.storedState();
    expect(stored.session).toContain('CommentAdded');
    expect(stored.local).not.toContain(token);
    expect(stored.local).not.toContain(PASSWORD);

    await graphiql.showHeaders();
    await graphiql.scrollToStart(graphiql.headersEditor);
    await graphiql.scrollToStart(graphiql.queryEditor);
    const screenshot = await browser.page.screenshot();
    await saveArtifact('graphiql.png', screenshot);
    const picture = summarizePng(screenshot);
    expect(picture).toMatchObject({ width: 1280, height: 800 });
    expect(picture.colours).toBeGreaterThan(50);
    expect(picture.ink).toBeGreaterThan(0.02);

    expect(browser.offMachine).toEqual([]);
    expect(browser.problems).toEqual([]);
  }, 90_000);
});
