import { MapperKind, mapSchema } from '@graphql-tools/utils';
import { DirectiveLocation, GraphQLDirective, Kind, parseType, type ConstDirectiveNode, type GraphQLFieldConfig, type GraphQLSchema } from 'graphql';
import { authorizedFields } from '../declared-fields';
import { Gate } from './auth-checker';

/** The gates a guest can never pass. */
const GUEST_REFUSING_GATES: readonly unknown[] = [Gate.MEMBER, Gate.ADMIN];

/**
 * `@membersOnly`: the machine-readable mark of what guests never get, for
 * code generators and UIs that hide what a guest cannot see.
 */
export const membersOnlyDirective = new GraphQLDirective({
  name: 'membersOnly',
  description: [
    'Organization members only: a guest asking for this field gets null and an error with `extensions.code` FORBIDDEN at its path, and the rest of the response',
    "as usual (a guest's mutation: FORBIDDEN, nothing done). Fields that only owners and admins may use carry it too, and say so in their description.",
  ].join(' '),
  locations: [DirectiveLocation.FIELD_DEFINITION],
});

const MEMBERS_ONLY_NODE: ConstDirectiveNode = { kind: Kind.DIRECTIVE, name: { kind: Kind.NAME, value: membersOnlyDirective.name } };

/**
 * Every field whose `@Authorized` gate refuses guests, as schema coordinates
 * (`Type.field`): the roles type-graphql's metadata holds are the ones its
 * resolvers (and src/field-resolution.ts) enforce, whether `@Authorized` sits
 * on the type's property or on a `@FieldResolver`.
 */
export function guestRefusingFields(): Set<string> {
  const refuses = (roles: readonly unknown[]) => roles.some((role) => GUEST_REFUSING_GATES.includes(role));
  return new Set(authorizedFields().filter((field) => refuses(field.roles)).map((field) => field.coordinate));
}

/**
 * The schema with `@membersOnly` applied to every field a guest's gate
 * refuses (it follows from `@Authorized(Gate.MEMBER)` and `Gate.ADMIN`, never
 * written by hand). Applied directives live on the fields' AST nodes, which
 * graphql-js's `printSchema` ignores: `printSchemaWithDirectives` prints them.
 */
export function withMembersOnlyDirective(schema: GraphQLSchema): GraphQLSchema {
  const gated = guestRefusingFields();
  const mark = (field: GraphQLFieldConfig<unknown, unknown>, fieldName: string, typeName: string) => {
    if (!gated.has(`${typeName}.${fieldName}`)) return field;
    // type-graphql gives a field an AST node only when it has directives of its own.
    const astNode = field.astNode ?? { kind: Kind.FIELD_DEFINITION, name: { kind: Kind.NAME, value: fieldName }, type: parseType(String(field.type)) };
    return { ...field, astNode: { ...astNode, directives: [...(astNode.directives ?? []), MEMBERS_ONLY_NODE] } };
  };
  return mapSchema(schema, { [MapperKind.OBJECT_FIELD]: mark, [MapperKind.INTERFACE_FIELD]: mark });
}
