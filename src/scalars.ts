import { GraphQLScalarType } from 'graphql';
import { DateTimeResolver } from 'graphql-scalars';

/**
 * `scalar DateTime` of the contract: RFC 3339 strings in, Date objects inside.
 * graphql-scalars' own, with `@specifiedBy` pointing at RFC 3339 so tools
 * (code generators, GraphiQL) can tell what the strings are.
 */
export const DateTimeScalar = new GraphQLScalarType({
  ...DateTimeResolver.toConfig(),
  specifiedByURL: 'https://www.rfc-editor.org/rfc/rfc3339#section-5.6',
});
export const scalarsMap = [{ type: Date, scalar: DateTimeScalar }];
