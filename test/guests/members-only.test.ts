import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  buildSchema,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLObjectType,
} from 'graphql';
import { toGlobalId } from '../../src/ids';
import { buildGuest, buildComment, buildConversation, buildMessage, buildOrganization, type Session } from '../support/factories';
import { startServer, type GraphQLResponse, type TestServer } from '../support/server';

/**
 * `@membersOnly` in the published schema.graphql, checked against what the
 * server does: a guest selecting every field of everything it can see, and
 * calling every mutation, is refused (FORBIDDEN) exactly where the schema
 * says `@membersOnly`, and nowhere else.
 */
const published = buildSchema(readFileSync(join(__dirname, '..', '..', 'schema.graphql'), 'utf8'));
const membersOnly = (field: GraphQLField<unknown, unknown>) => field.astNode?.directives?.some((directive) => directive.name.value === 'membersOnly') ?? false;

let server: TestServer;
let owner: Session;
let guest: Session;
let conversation: string;
beforeAll(async () => {
  // One alias per field of eight types: more than the default limit of 30.
  server = await startServer({ MAX_QUERY_ALIASES: '200' });
  owner = await buildOrganization(server);
  const raw = (await buildConversation(server, { creator: owner })).id;
  conversation = toGlobalId('Conversation', raw);
  await buildMessage(server, { creator: owner, conversationId: raw });
  await buildComment(server, { author: owner, conversationId: raw });
  await server.app.services.tasks.create(owner.viewer, conversation, { title: 'Sign the lease', assigneeId: toGlobalId('User', owner.actor.id) });
  guest = await buildGuest(server, { inviter: owner, conversationIds: [raw] });
});
afterAll(() => server?.stop());

/**
 * Every field of a type, each aliased by its coordinate (`Type__field`) so an
 * error's path names it; object fields select only `__typename`, connections
 * one item. `nested` adds the selections that reach further types.
 */
function everyField(typeName: string, nested: Record<string, string> = {}): string {
  const type = published.getType(typeName) as GraphQLObjectType;
  return Object.values(type.getFields())
    .map((field) => {
      const alias = `${typeName}__${field.name}`;
      const args = field.args.some((arg) => arg.name === 'first') ? '(first: 1)' : '';
      const selection = nested[field.name] ?? (isLeafType(getNamedType(field.type)) ? '' : '{ __typename }');
      return `${alias}: ${field.name}${args} ${selection}`;
    })
    .join('\n');
}

const coordinateOf = (alias: string) => alias.replace('__', '.');

/** The coordinates a response refused with FORBIDDEN, and any other error codes it had. */
function refusals(response: GraphQLResponse): { forbidden: string[]; other: unknown[] } {
  const forbidden: string[] = [];
  const other: unknown[] = [];
  for (const error of response.errors ?? []) {
    const alias = [...(error.path ?? [])].reverse().find((step) => typeof step === 'string' && step.includes('__')) as string | undefined;
    if (error.extensions?.code === 'FORBIDDEN' && alias) forbidden.push(coordinateOf(alias));
    else other.push({ code: error.extensions?.code, path: error.path });
  }
  return { forbidden: forbidden.sort(), other };
}

const marked = (...typeNames: string[]) =>
  typeNames
    .flatMap((typeName) =>
      Object.values((published.getType(typeName) as GraphQLObjectType).getFields())
        .filter(membersOnly)
        .map((field) => `${typeName}.${field.name}`),
    )
    .sort();

/** A literal of an input type, with only its required fields: enough to get past validation to the gate. */
function dummy(type: GraphQLInputType): string {
  if (isNonNullType(type)) return dummy(type.ofType);
  if (isListType(type)) return '[]';
  if (isEnumType(type)) return type.getValues()[0]!.name;
  if (isInputObjectType(type)) {
    const fields = Object.values(type.getFields()).filter((field) => isNonNullType(field.type) && field.defaultValue === undefined);
    return `{ ${fields.map((field) => `${field.name}: ${dummy(field.type)}`).join(', ')} }`;
  }
  if (isScalarType(type)) return ({ Int: '1', Float: '1', Boolean: 'true', DateTime: '"2030-01-01T00:00:00Z"' } as Record<string, string>)[type.name] ?? '"x"';
  throw new Error(`no dummy for ${String(type)}`);
}

describe('@membersOnly is what a guest is refused', () => {
  it('refuses a guest exactly the @membersOnly fields of everything it can see, itself included', async () => {
    const query = `query ($id: ID!) {
      viewer { ... on Guest { ${everyField('Guest')} } }
      organization { ${everyField('Organization')} }
      conversation(id: $id) {
        ${everyField('Conversation', {
          messages: `{ nodes { ${everyField('Message', { attachments: `{ ${everyField('Attachment')} }` })} } }`,
          comments: `{ nodes { ${everyField('Comment', { author: `{ ... on User { ${everyField('User')} } }` })} } }`,
          tasks: `{ ${everyField('Task')} }`,
        })}
      }
    }`;
    const response = await server.gql(query, { id: conversation }, guest.token);
    const { forbidden, other } = refusals(response);
    expect(other).toEqual([]);
    expect(forbidden).toEqual(marked('Guest', 'Organization', 'Conversation', 'Message', 'Comment', 'User', 'Task', 'Attachment'));
    expect(forbidden.length).toBeGreaterThan(10);
    // The same query as the owner: nothing refused.
    expect((await server.gql(query, { id: conversation }, owner.token)).errors).toBeUndefined();
  });

  it.each(
    Object.values((published.getType('Mutation') as GraphQLObjectType).getFields())
      // These succeed for a guest with any arguments: their own session, their own settings.
      .filter((field) => !['logOut', 'updateNotificationSettings'].includes(field.name))
      .map((field) => [field.name, membersOnly(field)] as const),
  )('answers a guest calling %s with FORBIDDEN exactly when it is @membersOnly (%s)', async (name, isMembersOnly) => {
    const field = (published.getType('Mutation') as GraphQLObjectType).getFields()[name]!;
    const args = field.args.map((arg) => `${arg.name}: ${dummy(arg.type)}`).join(', ');
    const selection = isObjectType(getNamedType(field.type)) || !isLeafType(getNamedType(field.type)) ? '{ __typename }' : '';
    const response = await server.gql(`mutation { ${name}${args ? `(${args})` : ''} ${selection} }`, {}, guest.token);
    expect(response.errors?.length ?? 0).toBeGreaterThan(0);
    const code = response.errors![0]!.extensions?.code;
    if (isMembersOnly) expect(code).toBe('FORBIDDEN');
    else expect([name, code]).toEqual([name, expect.not.stringMatching(/^FORBIDDEN$/)]);
  });
});
