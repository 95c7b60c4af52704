import { MapperKind, mapSchema } from '@graphql-tools/utils';
import {
  GraphQLInterfaceType,
  GraphQLUnionType,
  type GraphQLFieldResolver,
  type GraphQLSchema,
  type GraphQLTypeResolver,
} from 'graphql';
import { AuthenticationError, AuthorizationError, type AuthCheckerFn } from 'type-graphql';
import { declaredField, declaredTypeResolver, hasResolverCode, objectTypeNameOf, type DeclaredField } from './declared-fields';

/**
 * How the schema's object fields resolve, after type-graphql built it.
 *
 * type-graphql wraps every field in a resolver of its own: a property is read
 * through a middleware dispatcher, and an `@Authorized` property through an
 * async auth middleware (a promise, and a microtask, per field per object).
 * On a page of comments that is most of the execution's work. So, using what
 * the decorators declared (src/declared-fields.ts):
 *
 * - a plain property (no `@FieldResolver`, getter or method, no middleware,
 *   no `@Authorized`) gets graphql-js's default resolver: `source[name]`;
 * - an `@Authorized` plain property gets a synchronous call of the same auth
 *   checker, which throws the same error (a guest's null + FORBIDDEN at the
 *   field's path is unchanged), or type-graphql's own error when it returns
 *   false, as type-graphql's default authMode "error" does;
 * - everything else keeps type-graphql's resolver (arguments, validation,
 *   middleware, resolver classes);
 * - an interface's or union's declared `resolveType` is called directly, not
 *   through type-graphql's async wrapper.
 *
 * Not type-graphql's `simpleResolvers: true`: that drops `@Authorized` on
 * those fields without a word (a denied caller gets the value).
 * test/schema/field-resolution.test.ts proves every `@Authorized` field is
 * still guarded.
 */
export function withDirectFieldResolution<TContext extends object>(schema: GraphQLSchema, authChecker: AuthCheckerFn<TContext, never>): GraphQLSchema {
  return mapSchema(schema, {
    [MapperKind.OBJECT_FIELD]: (config, fieldName, typeName) => {
      const declared = declaredField(typeName, fieldName);
      return declared && isPlainProperty(declared) ? { ...config, resolve: propertyResolver(declared, fieldName, authChecker) } : config;
    },
    [MapperKind.INTERFACE_TYPE]: (type) => {
      const resolveType = directTypeResolver(type.name, type.resolveType);
      return new GraphQLInterfaceType({ ...type.toConfig(), resolveType });
    },
    [MapperKind.UNION_TYPE]: (type) => {
      const resolveType = directTypeResolver(type.name, type.resolveType);
      return new GraphQLUnionType({ ...type.toConfig(), resolveType });
    },
  });
}

/** A property type-graphql would only read: no code of ours and no middleware between the object and its value. */
const isPlainProperty = (field: DeclaredField): boolean => !hasResolverCode(field) && (field.middlewares ?? []).length === 0;

function propertyResolver<TContext extends object>(
  field: DeclaredField,
  fieldName: string,
  authChecker: AuthCheckerFn<TContext, never>,
): GraphQLFieldResolver<unknown, TContext> | undefined {
  const { name, roles } = field;
  // graphql-js's default resolver reads `source[fieldName]`: leave it be when the property has the field's name.
  if (!roles) return name === fieldName ? undefined : (source) => (source as Record<string, unknown>)[name];
  return authorizedProperty(name, roles as never[], authChecker);
}

/** Reads `source[name]` once the auth checker allows it, with type-graphql's errors when it returns false. */
function authorizedProperty<TContext extends object>(name: string, roles: never[], authChecker: AuthCheckerFn<TContext, never>): GraphQLFieldResolver<unknown, TContext> {
  const refused = () => (roles.length === 0 ? new AuthenticationError() : new AuthorizationError());
  const read = (source: unknown, allowed: boolean) => {
    if (!allowed) throw refused();
    return (source as Record<string, unknown>)[name];
  };
  return (root, args, context, info) => {
    const allowed = authChecker({ root, args, context, info }, roles);
    return typeof allowed === 'boolean' ? read(root, allowed) : allowed.then((granted) => read(root, granted));
  };
}

/**
 * The declared `resolveType`, called directly: a class it returns is named as
 * type-graphql names it. Without a declared one, type-graphql's own (an
 * `instanceof` test over the implementing classes) stays.
 */
function directTypeResolver(typeName: string, builtResolver: GraphQLTypeResolver<unknown, unknown> | null | undefined) {
  const declared = declaredTypeResolver(typeName);
  if (!declared) return builtResolver;
  const nameOf = (resolved: unknown) => (resolved === null || resolved === undefined || typeof resolved === 'string' ? (resolved ?? undefined) : objectTypeNameOf(resolved));
  const resolveType: GraphQLTypeResolver<unknown, unknown> = (value, context, info, abstractType) => {
    const resolved: unknown = declared(value, context, info, abstractType);
    return resolved instanceof Promise ? resolved.then(nameOf) : nameOf(resolved);
  };
  return resolveType;
}
