import { isAbstractType, isInterfaceType, isObjectType, type GraphQLField, type GraphQLResolveInfo } from 'graphql';
import { Gate } from '../src/auth/auth-checker';
import type { Viewer } from '../src/auth/viewer';
import { authorizedFields, declaredField, hasResolverCode } from '../src/declared-fields';
import { getSchema } from '../src/schema';

const viewerOf = (kind: Viewer['kind']): Viewer => ({
  actorId: 'viewer-actor',
  organizationId: 'organization',
  kind,
  role: kind === 'MEMBER' ? 'MEMBER' : null,
  sessionId: 'session',
  guestsEnabled: true,
  whoCanInvite: 'MEMBERS',
  guestAccess: new Map(),
});

const GUEST_REFUSING: readonly unknown[] = [Gate.MEMBER, Gate.ADMIN];

function fieldAt(coordinate: string): GraphQLField<unknown, unknown> {
  const [typeName, fieldName] = coordinate.split('.') as [string, string];
  const type = getSchema().getType(typeName);
  if (!isObjectType(type) && !isInterfaceType(type)) throw new Error(`${typeName} is not an object or interface type`);
  const field = type.getFields()[fieldName];
  if (!field) throw new Error(`${coordinate} is not in the schema`);
  return field;
}

/** What a field's resolver does for this viewer: its value, or the error it throws or rejects with. */
async function resolveAs(coordinate: string, viewer: Viewer | null, root: object = { id: 'someone-else' }) {
  const field = fieldAt(coordinate);
  const context = { viewer, requestId: 'test' };
  try {
    return { value: await field.resolve!(root, {}, context, { fieldName: field.name } as GraphQLResolveInfo) };
  } catch (error) {
    // Our DomainError carries its code itself; formatError puts it in `extensions` at the boundary.
    const { code, extensions } = error as { code?: string; extensions?: { code?: string } };
    return { code: extensions?.code ?? code };
  }
}

/** Object types' fields as graphql-js executes them (interfaces' own resolvers are never called). */
function objectFields(): Array<[string, GraphQLField<unknown, unknown>]> {
  const found: Array<[string, GraphQLField<unknown, unknown>]> = [];
  for (const type of Object.values(getSchema().getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) found.push([`${type.name}.${field.name}`, field]);
  }
  return found;
}

describe('field resolution after type-graphql built the schema', () => {
  // type-graphql completes its metadata (roles included) while it builds the schema.
  const schema = getSchema();
  const authorized = authorizedFields().filter(({ coordinate }) => isObjectType(schema.getType(coordinate.split('.')[0]!)));

  it('finds @Authorized fields on types and on root handlers', () => {
    expect(authorized.length).toBeGreaterThan(10);
    expect(authorized.some(({ coordinate }) => coordinate.startsWith('Query.'))).toBe(true);
    expect(authorized.some(({ coordinate }) => !/^(Query|Mutation|Subscription)\./.test(coordinate))).toBe(true);
  });

  it('refuses every @Authorized field to a caller without a viewer, with UNAUTHENTICATED', async () => {
    for (const { coordinate } of authorized) {
      expect([coordinate, await resolveAs(coordinate, null)]).toEqual([coordinate, { code: 'UNAUTHENTICATED' }]);
    }
  });

  it('refuses every members-only or admins-only field to a guest, with FORBIDDEN', async () => {
    const guestRefusing = authorized.filter(({ roles }) => roles.some((role) => GUEST_REFUSING.includes(role)));
    expect(guestRefusing.length).toBeGreaterThan(5);
    for (const { coordinate } of guestRefusing) {
      expect([coordinate, await resolveAs(coordinate, viewerOf('GUEST'))]).toEqual([coordinate, { code: 'FORBIDDEN' }]);
    }
  });

  it("gives a guest a SELF_OR_MEMBER property of their own actor, and refuses it on someone else's", async () => {
    const selfOrMember = authorized.filter(({ coordinate, roles }) => roles.includes(Gate.SELF_OR_MEMBER) && !coordinate.startsWith('Query.'));
    expect(selfOrMember.length).toBeGreaterThan(0);
    for (const { coordinate } of selfOrMember) {
      const fieldName = coordinate.split('.')[1]!;
      expect(await resolveAs(coordinate, viewerOf('GUEST'), { id: 'someone-else', [fieldName]: 'x' })).toEqual({ code: 'FORBIDDEN' });
      const declared = declaredField(...(coordinate.split('.') as [string, string]));
      if (declared && !hasResolverCode(declared)) {
        expect(await resolveAs(coordinate, viewerOf('GUEST'), { id: 'viewer-actor', [fieldName]: 'x' })).toEqual({ value: 'x' });
      }
    }
  });

  it('reads a plain property with graphql-js\'s default resolver, not a type-graphql wrapper', () => {
    const plain = objectFields().filter(([coordinate]) => {
      const declared = declaredField(...(coordinate.split('.') as [string, string]));
      return declared && !declared.roles && !hasResolverCode(declared) && (declared.middlewares ?? []).length === 0;
    });
    expect(plain.length).toBeGreaterThan(50);
    expect(plain.filter(([, field]) => field.resolve !== undefined).map(([coordinate]) => coordinate)).toEqual([]);
    expect(fieldAt('Comment.body').resolve).toBeUndefined();
  });

  it('checks an @Authorized property synchronously: a member gets its value at once, not a promise', () => {
    const properties = authorized.filter(({ coordinate }) => {
      const declared = declaredField(...(coordinate.split('.') as [string, string]));
      return declared && !hasResolverCode(declared);
    });
    expect(properties.length).toBeGreaterThan(0);
    for (const { coordinate } of properties) {
      const fieldName = coordinate.split('.')[1]!;
      const value = fieldAt(coordinate).resolve!({ [fieldName]: 'value' }, {}, { viewer: { ...viewerOf('MEMBER'), role: 'OWNER' } }, {} as GraphQLResolveInfo);
      expect([coordinate, value]).toEqual([coordinate, 'value']);
    }
  });

  it('gives every interface and union a synchronous resolveType, which graphql-jit needs (it cannot await one)', () => {
    const abstract = Object.values(getSchema().getTypeMap()).filter(isAbstractType);
    expect(abstract.length).toBeGreaterThan(0);
    const asynchronous = abstract.filter((type) => type.resolveType?.constructor.name === 'AsyncFunction').map((type) => type.name);
    expect(asynchronous).toEqual([]);
  });

  it('tells the concrete type of an actor synchronously', () => {
    const actor = getSchema().getType('Actor');
    if (!isInterfaceType(actor)) throw new Error('Actor is an interface');
    expect(actor.resolveType!({ kind: 'GUEST' }, {}, {} as GraphQLResolveInfo, actor)).toBe('Guest');
    expect(actor.resolveType!({ kind: 'MEMBER' }, {}, {} as GraphQLResolveInfo, actor)).toBe('User');
  });
});
