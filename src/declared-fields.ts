import { getMetadataStorage } from 'type-graphql';

/**
 * What the decorators declared, read from type-graphql's metadata once it has
 * built a schema: which fields are behind `@Authorized` (for `@membersOnly`
 * and the tests that prove every one is still guarded) and how each object
 * field is resolved (for src/field-resolution.ts). The metadata storage is
 * type-graphql's internal shape, so package.json pins its exact version; the
 * tests in test/schema/field-resolution.test.ts fail if that shape changes.
 */

type Storage = ReturnType<typeof getMetadataStorage>;
type ClassMetadata = Storage['objectTypes'][number] | Storage['interfaceTypes'][number];
export type DeclaredField = NonNullable<ClassMetadata['fields']>[number];

/** A field behind `@Authorized(...)`: its schema coordinate (`Type.field`) and its gates (none: any logged-in viewer). */
export interface AuthorizedField {
  readonly coordinate: string;
  readonly roles: readonly unknown[];
}

/**
 * Every field behind `@Authorized`, whether it sits on a type's property, on a
 * `@FieldResolver` (type-graphql copies its roles onto the field) or on a
 * query, mutation or subscription.
 */
export function authorizedFields(): AuthorizedField[] {
  const storage = getMetadataStorage();
  const found: AuthorizedField[] = [];
  for (const type of [...storage.objectTypes, ...storage.interfaceTypes]) {
    for (const field of type.fields ?? []) if (field.roles) found.push({ coordinate: `${type.name}.${field.schemaName}`, roles: field.roles });
  }
  for (const [root, handlers] of [
    ['Query', storage.queries],
    ['Mutation', storage.mutations],
    ['Subscription', storage.subscriptions],
  ] as const) {
    for (const handler of handlers) if (handler.roles) found.push({ coordinate: `${root}.${handler.schemaName}`, roles: handler.roles });
  }
  return found;
}

/**
 * The declared field behind the schema's `typeName.fieldName`, found where
 * type-graphql's schema generator finds it: the type's own fields first, then
 * those of the interfaces it implements, then its superclasses'. Undefined for
 * root types (their fields are resolver handlers) and unknown names.
 */
export function declaredField(typeName: string, fieldName: string): DeclaredField | undefined {
  const storage = getMetadataStorage();
  const classes: ClassMetadata[] = [...storage.objectTypes, ...storage.interfaceTypes];
  const metadataOf = (target: Function) => classes.find((type) => type.target === target);
  let type = classes.find((candidate) => candidate.name === typeName);
  while (type) {
    const interfaces = (type.interfaceClasses ?? []).map(metadataOf);
    for (const candidate of [type, ...interfaces]) {
      const field = candidate?.fields?.find((declared) => declared.schemaName === fieldName);
      if (field) return field;
    }
    type = metadataOf(Object.getPrototypeOf(type.target));
  }
  return undefined;
}

/**
 * Whether type-graphql resolves the field with code of ours: a
 * `@FieldResolver` in a resolver class, or a getter or method of the type
 * class itself (matched as type-graphql matches them: by declaring class and name).
 */
export function hasResolverCode(field: DeclaredField): boolean {
  return getMetadataStorage().fieldResolvers.some((resolver) => resolver.getObjectType?.() === field.target && resolver.methodName === field.name);
}

/** The function an interface or union declared to tell its concrete types apart, if any. */
export function declaredTypeResolver(abstractTypeName: string) {
  const storage = getMetadataStorage();
  const declared = [...storage.interfaceTypes, ...storage.unions].find((type) => type.name === abstractTypeName);
  return declared?.resolveType;
}

/** The schema name of the object type a class declares (what a `resolveType` returning a class means). */
export function objectTypeNameOf(target: unknown): string | undefined {
  return getMetadataStorage().objectTypes.find((type) => type.target === target)?.name;
}
