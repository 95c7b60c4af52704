import { execute, getOperationAST, parse, type DocumentNode, type ExecutionResult } from 'graphql';
import { CONVERSATION_LIST, CONVERSATION_PAGE } from '../bench/queries';
import type { Viewer } from '../src/auth/viewer';
import { createContext } from '../src/context';
import { toGlobalId } from '../src/ids';
import { queryExecutorGateway } from '../src/query-executor';
import { getSchema } from '../src/schema';
import { buildGuestScene, type GuestScene } from './support/factories';
import { startServer, type TestServer } from './support/server';

/**
 * Queries run through graphql-jit once seen before (src/query-executor.ts):
 * each case runs an operation through graphql-js, then twice through the
 * executor Apollo uses (the first sighting on graphql-js, the second
 * compiled), and the three answers must serialize to the same bytes.
 */
let server: TestServer;
let scene: GuestScene;
let threadId: string;
beforeAll(async () => {
  server = await startServer();
  scene = await buildGuestScene(server);
  threadId = toGlobalId('Conversation', scene.thread.id);
});
afterAll(() => server?.stop());

const contextFor = (viewer: Viewer | null) => createContext(server.app.services, viewer, { requestId: 'test', client: { ip: null, userAgent: null } });

/**
 * The result as Apollo sends it, errors listed by path: graphql-js lists
 * errors in the order their fields fail, and sibling fields wait on
 * different statements, so two runs of either engine may list them apart.
 */
function serialized(result: ExecutionResult): string {
  const errors = result.errors?.map((error) => JSON.stringify(error)).sort();
  return JSON.stringify({ errors, data: result.data });
}

async function threeWays(document: DocumentNode, viewer: Viewer | null, variables: Record<string, unknown>) {
  const operation = getOperationAST(document)!;
  const executor = (await queryExecutorGateway(getSchema()).load({ apollo: { key: undefined, keyHash: undefined, graphRef: undefined } as never })).executor!;
  const viaExecutor = () =>
    executor({ document, operation, operationName: operation.name?.value ?? null, request: { variables }, context: contextFor(viewer) } as never);
  const graphqlJs = await execute({ schema: getSchema(), document, contextValue: contextFor(viewer), variableValues: variables });
  const firstSighting = await viaExecutor();
  const compiled = await viaExecutor();
  return { graphqlJs: serialized(graphqlJs), firstSighting: serialized(firstSighting), compiled: serialized(compiled), errors: compiled.errors ?? [] };
}

const PAGE = parse(CONVERSATION_PAGE);
const GUEST_GATED = parse(`
  query GuestGated($id: ID!) {
    conversation(id: $id) { id subject participants { name ... on User { email } } messages(first: 5) { nodes { from bcc author { name } } } comments { nodes { body } } }
  }
`);

describe('queries through graphql-jit answer as graphql-js does', () => {
  it('gives the owner the same conversation page', async () => {
    const { graphqlJs, firstSighting, compiled } = await threeWays(PAGE, scene.owner.viewer, { id: threadId, messages: 10, comments: 10 });
    expect(JSON.parse(compiled).data.conversation.id).toBe(threadId);
    expect(firstSighting).toBe(graphqlJs);
    expect(compiled).toBe(graphqlJs);
  });

  it('gives a guest the same page, with the same null fields and FORBIDDEN errors at the same paths', async () => {
    const page = await threeWays(PAGE, scene.guest.viewer, { id: threadId, messages: 10, comments: 10 });
    expect(page.compiled).toBe(page.graphqlJs);
    const gated = await threeWays(GUEST_GATED, scene.guest.viewer, { id: threadId });
    expect(gated.compiled).toBe(gated.graphqlJs);
    expect(gated.errors.length).toBeGreaterThan(0);
    expect(new Set(gated.errors.map((error) => (error.originalError as { code?: string }).code))).toEqual(new Set(['FORBIDDEN']));
  });

  it('gives a guest the same answer for a conversation they cannot see', async () => {
    const hidden = await threeWays(GUEST_GATED, scene.guest.viewer, { id: toGlobalId('Conversation', scene.otherThread.id) });
    expect(hidden.compiled).toBe(hidden.graphqlJs);
    expect(JSON.parse(hidden.compiled).errors.length).toBe(1);
  });

  it('gives the same conversation list, and the same answer to a caller without a viewer', async () => {
    const list = await threeWays(parse(CONVERSATION_LIST), scene.member.viewer, { first: 20, comments: 3 });
    expect(list.compiled).toBe(list.graphqlJs);
    const anonymous = await threeWays(PAGE, null, { id: threadId, messages: 10, comments: 10 });
    expect(anonymous.compiled).toBe(anonymous.graphqlJs);
  });

  it('leaves variables graphql-js refuses to graphql-js, so their errors stay its own', async () => {
    const refused = await threeWays(PAGE, scene.owner.viewer, { id: threadId, messages: 'ten', comments: 10 });
    expect(refused.compiled).toBe(refused.graphqlJs);
    expect(JSON.parse(JSON.parse(refused.compiled).errors[0]).message).toMatch(/Variable "\$messages" got invalid value "ten"/);
  });

  it('gives writable graphql-js errors, which the security plugin rewrites', async () => {
    const { errors } = await threeWays(GUEST_GATED, scene.guest.viewer, { id: threadId });
    for (const error of errors) {
      error.message = `${error.message}`;
      expect(error.locations?.length).toBeGreaterThan(0);
    }
  });
});
