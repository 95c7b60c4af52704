import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError } from 'graphql';
import type { Config } from '../config';
import type { Context } from '../context';
import { isDatabaseUnavailable } from '../errors';
import { mayIntrospect, withoutSuggestions } from './introspection';
import { describeTokenLimit } from './limits';
import { RequestLimitsCache } from './request-limits-cache';
import { tagRequest } from './request-id';

/**
 * The per-request half of the operation limits for Apollo. Apollo caches a
 * document's validation for every caller, so the rules that depend on who
 * asks (introspection) or on the variables (the cost of `first: $n`) run
 * here, once the operation is resolved and before anything executes (their
 * verdict remembered per document and per what they read: RequestLimitsCache).
 * Also hides field suggestions from callers who may not introspect, and
 * answers 503 when the database is unreachable.
 */
export function securityPlugin(config: Config): ApolloServerPlugin<Context> {
  const requestLimits = new RequestLimitsCache(config);
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue, document, request, schema }) {
          const refusal = requestLimits.refusal(schema, document, { viewer: contextValue.viewer, variables: request.variables ?? {} });
          if (refusal) {
            throw new GraphQLError(refusal.message, {
              nodes: refusal.nodes,
              extensions: { ...refusal.extensions, http: { status: 400 } },
            });
          }
        },
        async didEncounterErrors({ contextValue, errors }) {
          const hideSuggestions = !mayIntrospect(config, contextValue.viewer);
          for (const error of errors) {
            tagRequest(error, contextValue.requestId);
            error.message = describeTokenLimit(error.message);
            if (hideSuggestions) error.message = withoutSuggestions(error.message);
            if (isDatabaseUnavailable(error)) (error.extensions as Record<string, unknown>).http = { status: 503 };
          }
        },
      };
    },
  };
}
