import { parse, validate } from 'graphql';
import { loadConfig } from '../../src/config';
import { getSchema } from '../../src/schema';
import { requestLimitRules, type OperationRequest } from '../../src/security/limits';
import { RequestLimitsCache } from '../../src/security/request-limits-cache';
import { detachedViewer } from '../support/viewers';

/**
 * The security plugin remembers the per-request limits' verdict per document:
 * these tests hold each remembered verdict to what `validate` says afresh.
 */
const production = loadConfig({ NODE_ENV: 'production', SESSION_SECRET: 'x'.repeat(32), SMTP_URL: 'smtp://mail.example.test', MAX_QUERY_COST: '2000' });

const viewer = detachedViewer;

const DOCUMENT = parse(`
  query ($id: ID!, $n: Int, $m: Int = 50) {
    __schema { queryType { name } }
    conversation(id: $id) { id comments(first: $n) { nodes { id body mentions { id } comments: conversation { id comments(first: $m) { nodes { id } } } } } }
  }
`);

const afresh = (request: OperationRequest) => validate(getSchema(), DOCUMENT, requestLimitRules(production, request))[0]?.message ?? null;

describe('the per-request limits remembered per document', () => {
  const requests: Array<[string, OperationRequest]> = [
    ['a member with a small page', { viewer: viewer('MEMBER'), variables: { id: 'x', n: 1 } }],
    ['a guest with a small page', { viewer: viewer('GUEST'), variables: { id: 'x', n: 1 } }],
    ['an anonymous caller with a small page', { viewer: null, variables: { id: 'x', n: 1 } }],
    ['a member with a large page', { viewer: viewer('MEMBER'), variables: { id: 'x', n: 100 } }],
    ['a member with a null page size', { viewer: viewer('MEMBER'), variables: { id: 'x', n: null } }],
    ['a member with a string page size', { viewer: viewer('MEMBER'), variables: { id: 'x', n: 'many' } }],
    ['a member leaving the page size out', { viewer: viewer('MEMBER'), variables: { id: 'x' } }],
    ['a member with a small page and a small inner page', { viewer: viewer('MEMBER'), variables: { id: 'x', n: 1, m: 1 } }],
  ];

  it('gives every caller and set of variables the verdict validate gives, asked twice in any order', () => {
    const cache = new RequestLimitsCache(production);
    const verdicts = new Set<string | null>();
    for (const [name, request] of [...requests, ...[...requests].reverse()]) {
      const expected = afresh(request);
      verdicts.add(expected);
      expect([name, cache.refusal(getSchema(), DOCUMENT, request)?.message ?? null]).toEqual([name, expected]);
    }
    // The cases differ in verdict, so a key that missed an input would show.
    expect(verdicts.size).toBeGreaterThanOrEqual(4);
  });

  it('still judges rightly when one document is asked for with more page sizes than it keeps verdicts for', () => {
    const cache = new RequestLimitsCache(production);
    for (let round = 0; round < 2; round += 1) {
      for (let n = 0; n <= 100; n += 1) {
        const request = { viewer: viewer('MEMBER'), variables: { id: 'x', n, m: 1 } };
        expect([n, cache.refusal(getSchema(), DOCUMENT, request)?.message ?? null]).toEqual([n, afresh(request)]);
      }
    }
  });
});
