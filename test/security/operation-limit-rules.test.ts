import { getIntrospectionQuery, parse, specifiedRules, validate, type GraphQLError } from 'graphql';
import { loadConfig, type Config } from '../../src/config';
import { getSchema } from '../../src/schema';
import { withoutSuggestions } from '../../src/security/introspection';
import { operationLimitRules, operationParseOptions, type OperationRequest } from '../../src/security/limits';
import { detachedViewer } from '../support/viewers';

/**
 * The websocket server validates each operation itself (graphql-ws bypasses
 * Apollo's plugins) with `operationLimitRules`: these tests hold that one
 * function to every limit Apollo applies over HTTP.
 */
const development = loadConfig({ NODE_ENV: 'test' });
const production = loadConfig({ NODE_ENV: 'production', SESSION_SECRET: 'x'.repeat(32), SMTP_URL: 'smtp://mail.example.test' });

const viewer = detachedViewer;

function check(config: Config, source: string, request?: OperationRequest): readonly GraphQLError[] {
  return validate(getSchema(), parse(source, operationParseOptions(config)), [...specifiedRules, ...operationLimitRules(config, request)]);
}

const messages = (errors: readonly GraphQLError[]) => errors.map((error) => error.message);
const codesOf = (errors: readonly GraphQLError[]) => errors.map((error) => error.extensions.code);

// Websocket operations are judged by the same rules whatever their type; a query exercises them as well as a subscription.
const OPERATION = `query ($id: ID!) { conversation(id: $id) { id comments { nodes { id body author { id name } } } } }`;

describe('operationLimitRules, as the websocket server uses them', () => {
  it('accepts an ordinary operation', () => {
    expect(check(development, OPERATION, { viewer: viewer('GUEST'), variables: { id: 'x' } })).toEqual([]);
  });

  it('refuses an operation deeper than 12 fields', () => {
    let selection = 'id';
    for (let level = 0; level < 4; level += 1) selection = `comments(first: 1) { nodes { conversation { ${selection} } } }`;
    const errors = check(development, `{ conversation(id: "x") { ${selection} } }`, { viewer: viewer('MEMBER') });
    expect(messages(errors)).toEqual(['Query depth limit of 12 exceeded, found 14.']);
    expect(codesOf(errors)).toEqual(['BAD_USER_INPUT']);
  });

  it('refuses more than 30 aliases', () => {
    const aliases = Array.from({ length: 31 }, (_, index) => `a${index}: id`).join(' ');
    const errors = check(development, `{ conversation(id: "x") { ${aliases} } }`, { viewer: viewer('MEMBER') });
    expect(messages(errors)).toEqual(['Aliases limit of 30 exceeded, found 31.']);
  });

  it('refuses more than 20 directives', () => {
    const fields = Array.from({ length: 21 }, (_, index) => `f${index}: id @include(if: true)`).join(' ');
    const errors = check(development, `{ conversation(id: "x") { ${fields} } }`, { viewer: viewer('MEMBER') });
    expect(messages(errors)).toEqual(['Directives limit of 20 exceeded, found 21.']);
  });

  it('refuses a document of more than 2000 tokens even when it was parsed without the limit', () => {
    const source = `{ conversation(id: "x") { ${'id '.repeat(2001)} } }`;
    const errors = validate(getSchema(), parse(source), operationLimitRules(development, { viewer: viewer('MEMBER') }));
    expect(messages(errors)).toEqual(['This operation is too large: it has more than 2000 tokens.']);
    expect(codesOf(errors)).toEqual(['BAD_USER_INPUT']);
  });

  it('counts connection sizes at the values of the variables', () => {
    const source = `query ($n: Int) { conversations(first: $n) { nodes { comments(first: $n) { nodes { mentions { id } } } } } }`;
    expect(check(development, source, { viewer: viewer('MEMBER'), variables: { n: 10 } })).toEqual([]);
    const errors = check(development, source, { viewer: viewer('MEMBER'), variables: { n: 100 } });
    expect(messages(errors)[0]).toMatch(/cost 110,201, limit 50,000/);
    expect(codesOf(errors)).toEqual(['BAD_USER_INPUT']);
  });

  it('counts an omitted variable at its declared default, then at the argument default', () => {
    const source = (declared: string) => `query ($n: Int${declared}) { conversations(first: $n) { nodes { comments(first: $n) { nodes { mentions { id } } } } } }`;
    expect(check(development, source(' = 100'), { viewer: viewer('MEMBER'), variables: {} })).toHaveLength(1);
    // Both connections default to first: 20.
    expect(check(development, source(''), { viewer: viewer('MEMBER'), variables: {} })).toEqual([]);
  });

  it('costs the README examples as the README says', () => {
    const example = (size: number) =>
      `{ conversations(first: ${size}) { nodes { comments(first: ${size === 25 ? 10 : size}) { nodes { author { id } mentions { id } } } } } }`;
    expect(check(development, example(25))).toEqual([]);
    expect(check({ ...development, operationLimits: { ...development.operationLimits, maxCost: 3050 } }, example(25)).map((error) => error.message)).toEqual([
      expect.stringMatching(/cost 3,051, limit 3,050/),
    ]);
    expect(messages(check(development, example(100)))).toEqual([expect.stringMatching(/cost 120,201, limit 50,000/)]);
  });

  it('counts page sizes passed through unknown variables at the largest page', () => {
    const source = `query ($n: Int) { conversations(first: $n) { nodes { comments(first: $n) { nodes { mentions { id } } } } } }`;
    expect(messages(check(development, source))[0]).toMatch(/cost 110,201/);
  });

  it('judges introspection by the viewer: members in production, nobody without a request', () => {
    const introspection = getIntrospectionQuery();
    expect(check(production, introspection, { viewer: viewer('MEMBER') })).toEqual([]);
    expect(codesOf(check(production, introspection, { viewer: viewer('GUEST') }))).toEqual(['FORBIDDEN']);
    expect(codesOf(check(production, introspection, { viewer: null }))).toEqual(['UNAUTHENTICATED']);
    expect(codesOf(check(production, introspection))).toEqual(['UNAUTHENTICATED']);
    expect(check(development, introspection)).toEqual([]);
  });

  it('lets the full introspection query through every other limit', () => {
    expect(check(development, getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true, inputValueDeprecation: true }))).toEqual([]);
  });

  it('strips field suggestions from an error message', () => {
    const [error] = check(development, `{ viewr { id } }`);
    expect(error!.message).toBe('Cannot query field "viewr" on type "Query". Did you mean "viewer"?');
    expect(withoutSuggestions(error!.message)).toBe('Cannot query field "viewr" on type "Query".');
    expect(withoutSuggestions('Unknown argument "frist" on field "Query.conversations". Did you mean "first"?')).toBe(
      'Unknown argument "frist" on field "Query.conversations".',
    );
  });
});
