import { randomUUID } from 'node:crypto';
import {
  getOperationAST,
  getVariableValues,
  GraphQLError,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLSchema,
} from 'graphql';
import { bearerToken } from '../auth/tokens';
import type { Viewer } from '../auth/viewer';
import type { Config } from '../config';
import { createContext, type Context } from '../context';
import { ErrorCode, formatError } from '../errors';
import type { Logger } from '../logger';
import { mayIntrospect, withoutSuggestions } from '../security/introspection';
import { describeTokenLimit, operationCost, operationLimitRules, operationParseOptions } from '../security/limits';
import { tagRequest } from '../security/request-id';
import type { Services } from '../services';
import { Allowance } from './allowance';
import type { LiveConnection } from './connection';
import type { ConnectionState, ProtocolHooks } from './websocket-protocol';
import type { Peer } from './websocket-upgrade';

/** Operations one connection may hold at once. @default 50 */
export const MAX_SUBSCRIPTIONS_PER_CONNECTION = 50;

/**
 * The close code of a websocket over a connection limit (per session, per
 * client address): graphql-ws's 4429, "too many", like HTTP's 429.
 */
export const TOO_MANY_CONNECTIONS = 4429;

/** Parsed operations kept for reuse, oldest dropped first. @default 500 */
export const DOCUMENT_CACHE_SIZE = 500;

/** What each connection's state carries for the hooks besides the protocol's own (websocket.ts's SocketAdapter). */
export interface ConnectionExtra {
  readonly peer: Peer;
  readonly connection: LiveConnection;
  /** Closes the socket with a code of our own (graphql-ws only closes with its own). */
  close(code: number, reason: string): void;
}

type ConnectionContext = ConnectionState<ConnectionExtra>;

/** What onConnect learned: the token, authenticated again for each operation. */
interface Authenticated {
  readonly token: string;
  /** As of the connection's last operation: decides whether error messages may suggest field names. */
  viewer: Viewer | null;
  /** Gives back this connection's place in its session's allowance. */
  readonly leave: () => void;
  /** Per open subscription (by its id), how to give back its cost to the actor's budget. */
  readonly budgets: Map<string, () => void>;
}

/**
 * A copy of a string as one flat string of its own. Strings kept as long as a
 * connection stays open are made flat: randomUUID() builds its string from
 * fourteen concatenated pieces, and the token from `Bearer <token>` is a
 * slice that would keep the whole header value.
 */
const flat = (text: string) => Buffer.from(text, 'utf8').toString('utf8');

const inputError = (message: string, reason: string) => new GraphQLError(message, { extensions: { code: reason } });

/**
 * The protocol's hooks (graphql-ws's names) that apply, per connection and per operation, what
 * Apollo's plugins apply over HTTP (websocket operations bypass them):
 * authentication from `connection_init` (false: close 4403), the same
 * validation rules and limits, the same error formatting.
 */
export function operationHooks(options: {
  schema: GraphQLSchema;
  services: Services;
  config: Config;
  logger: Logger;
}): ProtocolHooks<ConnectionExtra> {
  const { schema, services, config, logger } = options;
  const connections = new WeakMap<ConnectionContext, Authenticated>();
  const documents = new DocumentCache(DOCUMENT_CACHE_SIZE);
  const perSession = new Allowance(config.webSocketLimits.connectionsPerSession);
  const subscriptionCost = new Allowance(config.webSocketLimits.subscriptionCostPerActor);

  const format = (ctx: ConnectionContext, errors: readonly GraphQLError[]) => {
    const hideSuggestions = !mayIntrospect(config, connections.get(ctx)?.viewer ?? null);
    return errors.map((error) => {
      // Errors outside the resolver chain (bad variables, unknown operation) are the caller's input.
      const requestError = !error.originalError && !error.path && !error.extensions?.code;
      const tagged = requestError ? inputError(error.message, 'GRAPHQL_VALIDATION_FAILED') : error;
      const formatted = formatError(logger, { ...tagged.toJSON(), locations: error.locations }, requestError ? tagged : error);
      return hideSuggestions ? { ...formatted, message: withoutSuggestions(formatted.message) } : formatted;
    });
  };

  return {
    async onConnect(ctx) {
      const token = bearerToken(ctx.connectionParams?.authorization ?? ctx.connectionParams?.Authorization);
      const viewer = token ? await services.sessions.authenticate(token) : null;
      if (!token || !viewer) return false;
      const leave = perSession.take(viewer.sessionId);
      if (!leave) {
        ctx.extra.close(TOO_MANY_CONNECTIONS, 'Too many connections for this session');
        return false;
      }
      connections.set(ctx, { token: flat(token), viewer, leave, budgets: new Map() });
      return true;
    },

    async onSubscribe(ctx, id, payload) {
      const authenticated = connections.get(ctx);
      if (!authenticated) return [new GraphQLError('Not authenticated.', { extensions: { code: ErrorCode.UNAUTHENTICATED } })];
      // ctx.subscriptions already holds this one.
      if (ctx.subscriptions.size > MAX_SUBSCRIPTIONS_PER_CONNECTION) {
        return [
          new GraphQLError(`A connection holds at most ${MAX_SUBSCRIPTIONS_PER_CONNECTION} subscriptions: complete one, or open another connection.`, {
            extensions: { code: ErrorCode.RATE_LIMITED },
          }),
        ];
      }
      // Each operation runs as the session is now (guest access read fresh); a session that ended closes the socket.
      const viewer = await services.sessions.authenticate(authenticated.token);
      if (!viewer) {
        ctx.extra.connection.endSession();
        return [new GraphQLError('Your session has ended.', { extensions: { code: ErrorCode.UNAUTHENTICATED } })];
      }
      authenticated.viewer = viewer;

      const parsed = documents.parse(payload.query, config);
      if (parsed instanceof GraphQLError) return [parsed];
      const refusals = validateOperation(schema, parsed, config, viewer, payload.variables ?? {});
      if (refusals.length > 0) return refusals;
      const operation = getOperationAST(parsed, payload.operationName);
      if (!operation) {
        return [inputError('The operation to run is missing or ambiguous: send one operation, or name it in operationName.', 'OPERATION_RESOLUTION_FAILURE')];
      }
      // Coerced here, as Apollo does over HTTP: a wrongly typed variable is the caller's input, never an execution error (logged, with its value).
      const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], payload.variables ?? {}, { maxErrors: 10 });
      if (coerced.errors) return coerced.errors.map((error) => inputError(error.message, 'BAD_USER_INPUT'));

      if (operation.operation === 'subscription') {
        const cost = operationCost(schema, parsed, operation, payload.variables ?? {});
        const giveBack = subscriptionCost.take(viewer.actorId, cost);
        if (!giveBack) return [overBudget(cost, subscriptionCost, viewer.actorId)];
        authenticated.budgets.set(id, giveBack);
      }

      const { peer, connection } = ctx.extra;
      const context: Context = createContext(services, viewer, { requestId: flat(randomUUID()), client: peer, connection });
      return { schema, document: parsed, operationName: payload.operationName, variableValues: payload.variables, contextValue: context };
    },

    onComplete(ctx, id) {
      const budgets = connections.get(ctx)?.budgets;
      budgets?.get(id)?.();
      budgets?.delete(id);
    },

    onClose(ctx) {
      const authenticated = connections.get(ctx);
      if (!authenticated) return;
      authenticated.leave();
      for (const giveBack of authenticated.budgets.values()) giveBack();
      authenticated.budgets.clear();
    },

    onNext(ctx, _id, args, result: ExecutionResult) {
      if (!result.errors) return result;
      for (const error of result.errors) tagRequest(error, (args.contextValue as Context).requestId);
      return { ...result, errors: format(ctx, result.errors) };
    },

    onError(ctx, _id, errors) {
      return format(ctx, errors);
    },
  };
}

/** RATE_LIMITED: what the actor's open subscriptions would cost with this one, on this instance, is over their budget. */
function overBudget(cost: number, budget: Allowance, actorId: string): GraphQLError {
  const held = budget.heldBy(actorId);
  return new GraphQLError(
    `Your open subscriptions would cost ${(held + cost).toLocaleString('en-US')} on this server, over the ${budget.limit.toLocaleString('en-US')} allowed: complete some, or select less in them.`,
    { extensions: { code: ErrorCode.RATE_LIMITED } },
  );
}

/** The same rules as over HTTP (graphql's own and our limits), judged for this viewer and these variables. */
function validateOperation(schema: GraphQLSchema, document: DocumentNode, config: Config, viewer: Viewer, variables: Record<string, unknown>): GraphQLError[] {
  const errors = validate(schema, document, [...specifiedRules, ...operationLimitRules(config, { viewer, variables })]);
  const hideSuggestions = !mayIntrospect(config, viewer);
  return errors.map(
    (error) =>
      new GraphQLError(hideSuggestions ? withoutSuggestions(error.message) : error.message, {
        nodes: error.nodes,
        extensions: error.extensions?.code ? error.extensions : { code: 'GRAPHQL_VALIDATION_FAILED' },
      }),
  );
}

/**
 * Clients send the same few operations over and over: one parsed copy each
 * (never mutated) serves every subscription, which keeps idle ones small.
 */
class DocumentCache {
  private readonly documents = new Map<string, DocumentNode>();

  constructor(private readonly size: number) {}

  /** The parsed document, or the parse error as the caller's input error. */
  parse(query: string, config: Config): DocumentNode | GraphQLError {
    const known = this.documents.get(query);
    if (known) return known;
    let document: DocumentNode;
    try {
      document = parse(query, operationParseOptions(config));
    } catch (error) {
      return inputError(describeTokenLimit((error as Error).message), 'GRAPHQL_PARSE_FAILED');
    }
    if (this.documents.size >= this.size) this.documents.delete(this.documents.keys().next().value!);
    this.documents.set(query, document);
    return document;
  }
}
