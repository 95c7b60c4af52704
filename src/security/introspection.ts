import { GraphQLError, type ValidationRule } from 'graphql';
import { isMember, type Viewer } from '../auth/viewer';
import type { Config } from '../config';
import { ErrorCode } from '../errors';

/**
 * Whether this caller may introspect the schema (SPEC §5): everyone with
 * INTROSPECTION=public (the default outside production), members only with
 * INTROSPECTION=members (the default in production), nobody with off.
 */
export function mayIntrospect(config: Pick<Config, 'introspection'>, viewer: Viewer | null): boolean {
  if (config.introspection === 'public') return true;
  if (config.introspection === 'off') return false;
  return viewer !== null && isMember(viewer);
}

/**
 * All that `introspectionRule` reads of the caller: whether they may
 * introspect and, when not, whether they are logged in (which error they get).
 */
export function introspectionAccess(config: Pick<Config, 'introspection'>, viewer: Viewer | null): 'open' | 'anonymous' | 'refused' {
  if (mayIntrospect(config, viewer)) return 'open';
  return viewer === null ? 'anonymous' : 'refused';
}

/** Refuses `__schema` and `__type` to callers who may not introspect; `__typename` stays open to all. */
export function introspectionRule(config: Pick<Config, 'introspection'>, viewer: Viewer | null): ValidationRule {
  return (context) => {
    if (mayIntrospect(config, viewer)) return {};
    let reported = false;
    return {
      Field(node) {
        if (reported || (node.name.value !== '__schema' && node.name.value !== '__type')) return;
        reported = true;
        const [code, message] =
          config.introspection === 'off'
            ? [ErrorCode.BAD_USER_INPUT, 'Introspection is turned off on this server: use the published schema.graphql instead.']
            : viewer === null
              ? [ErrorCode.UNAUTHENTICATED, 'Introspection is open to organization members only: send a member\'s token as "Authorization: Bearer <token>".']
              : [ErrorCode.FORBIDDEN, 'Introspection is open to organization members only.'];
        context.reportError(new GraphQLError(message, { nodes: [node], extensions: { code } }));
      },
    };
  };
}

/**
 * graphql-js appends `Did you mean "…"?` to errors about unknown fields,
 * arguments, types and enum values: a way to read the schema piece by piece.
 * Callers who may not introspect get the error without the suggestion.
 */
export function withoutSuggestions(message: string): string {
  return message.replace(/\s*Did you mean [^?]*\?/g, '');
}
