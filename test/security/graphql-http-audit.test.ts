import { serverAudits, type AuditResult } from 'graphql-http';
import { startServer, type TestServer } from '../support/server';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server?.stop());

const describeAll = (results: AuditResult[]) => results.map((result) => `${result.id} ${result.name}: ${'reason' in result ? result.reason : 'ok'}`);

/**
 * graphql-http's audit of the GraphQL over HTTP spec, run against the real
 * server. Every MUST passes. Of the 48 recommendations (SHOULD and MAY), a
 * plain Apollo Server passes 42 with graphql-http 1.23; the six others ask
 * for 200 instead of 400 on parse, validation and variable errors under
 * `Accept: application/json`, and for GETs that Apollo's CSRF prevention
 * refuses without a preflight-forcing header, which is the point of it.
 */
describe('GraphQL over HTTP audit', () => {
  it('passes every MUST and at least 42 of the 48 recommendations', async () => {
    const results: AuditResult[] = [];
    for (const audit of serverAudits({ url: server.graphqlUrl })) results.push(await audit.fn());

    const musts = results.filter((result) => result.name.startsWith('MUST'));
    expect(musts.length).toBeGreaterThanOrEqual(13);
    expect(describeAll(musts.filter((result) => result.status !== 'ok'))).toEqual([]);

    const recommendations = results.filter((result) => !result.name.startsWith('MUST'));
    expect(recommendations).toHaveLength(48);
    const passed = recommendations.filter((result) => result.status === 'ok');
    if (passed.length < 42) console.log(describeAll(recommendations.filter((result) => result.status !== 'ok')).join('\n'));
    expect(passed.length).toBeGreaterThanOrEqual(42);
  });
});
