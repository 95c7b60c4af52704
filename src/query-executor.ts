import type { ApolloServerOptionsWithGateway } from '@apollo/server';
import {
  execute,
  getNamedType,
  getVariableValues,
  GraphQLError,
  isInputObjectType,
  typeFromAST,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type Source,
} from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import type { Context } from './context';

type Gateway = ApolloServerOptionsWithGateway<Context>['gateway'];
type Executor = NonNullable<Awaited<ReturnType<Gateway['load']>>['executor']>;
type ExecutorRequest = Parameters<Executor>[0];

/**
 * Compiled operations kept, least recently used evicted. The documents that
 * repeat (a client's few operations) stay; each compiled one costs tens of
 * kilobytes of generated code.
 */
const COMPILED_OPERATIONS_KEPT = 200;

/**
 * How Apollo executes operations over HTTP: queries through graphql-jit,
 * which compiles an operation once into a function that walks the result
 * without graphql-js's per-field bookkeeping; everything else through
 * graphql-js, as Apollo would. Plugged in as Apollo's `gateway`, the one
 * supported hook that replaces its executor.
 *
 * graphql-jit is used only where it gives graphql-js's answer:
 * - queries, not mutations (graphql-js runs their fields one after the
 *   other) nor subscriptions (websockets run those, with graphql-js);
 * - variables graphql-js accepts (so a bad variable gets graphql-js's error,
 *   which Apollo turns into BAD_USER_INPUT), and no input-object variables
 *   (graphql-jit 0.8.9 skips input fields' defaults);
 * - an operation seen before: a one-off document is not worth compiling.
 * Its errors are frozen objects of its own; they are turned into graphql-js
 * errors (the security plugin rewrites messages). It cannot await a
 * `resolveType`: interfaces resolve synchronously thanks to
 * src/field-resolution.ts (type-graphql's own wrapper is async), which
 * test/field-resolution.test.ts holds for every interface and union.
 * Subscriptions over websockets never come here.
 */
export function queryExecutorGateway(schema: GraphQLSchema): Gateway {
  const queries = new CompiledQueries(schema);
  const executor: Executor = async (request) => {
    const compiled = queries.compiledFor(request);
    if (!compiled) return executeWithGraphQLJs(schema, request);
    const result = await compiled.query(undefined, request.context, request.request.variables ?? {});
    return result.errors ? { ...result, errors: result.errors.map((error) => asGraphQLJsError(error, request.document.loc?.source)) } : result;
  };
  return {
    async load() {
      return { schema, executor };
    },
    onSchemaLoadOrUpdate(callback) {
      // Not a federated supergraph: there is no core schema to report.
      callback({ apiSchema: schema, coreSupergraphSdl: '' });
      return () => {};
    },
    async stop() {},
  };
}

/** What Apollo does without a gateway (graphql-js's `execute`; no incremental delivery on graphql 16). */
function executeWithGraphQLJs(schema: GraphQLSchema, request: ExecutorRequest): Promise<ExecutionResult> | ExecutionResult {
  return execute({
    schema,
    document: request.document,
    contextValue: request.context,
    variableValues: request.request.variables,
    operationName: request.request.operationName,
  });
}

/** The compiled query for a request, when graphql-jit may run it (see queryExecutorGateway), compiled on its second sighting. */
class CompiledQueries {
  private readonly seen = new WeakSet<OperationDefinitionNode>();
  private readonly compiled = new Map<OperationDefinitionNode, CompiledQuery | null>();

  constructor(private readonly schema: GraphQLSchema) {}

  compiledFor(request: ExecutorRequest): CompiledQuery | null {
    // No operation: the document has several and no operationName picks one, which graphql-js reports.
    const { operation, document } = request as { operation?: OperationDefinitionNode; document: DocumentNode };
    if (!operation || operation.operation !== 'query') return null;
    let compiled = this.compiled.get(operation);
    if (compiled === undefined) {
      if (!this.seen.has(operation)) {
        this.seen.add(operation);
        return null;
      }
      compiled = this.compile(document, operation);
      if (this.compiled.size >= COMPILED_OPERATIONS_KEPT) this.compiled.delete(this.compiled.keys().next().value!);
    } else {
      this.compiled.delete(operation);
    }
    // (Re)inserted last: the Map's order is least recently used first.
    this.compiled.set(operation, compiled);
    if (!compiled) return null;
    const { errors } = getVariableValues(this.schema, operation.variableDefinitions ?? [], request.request.variables ?? {});
    return errors ? null : compiled;
  }

  private compile(document: DocumentNode, operation: OperationDefinitionNode): CompiledQuery | null {
    const takesInputObjects = (operation.variableDefinitions ?? []).some((definition) => {
      const type = typeFromAST(this.schema, definition.type);
      return !type || isInputObjectType(getNamedType(type));
    });
    if (takesInputObjects) return null;
    const compiled = compileQuery(this.schema, document, operation.name?.value);
    return isCompiledQuery(compiled) ? compiled : null;
  }
}

/**
 * graphql-jit's error as graphql-js would have made it: same message, path,
 * locations (from positions in the source), extensions and original error,
 * but a writable GraphQLError.
 */
function asGraphQLJsError(error: GraphQLError, source: Source | undefined): GraphQLError {
  const positions = source && error.locations?.map(({ line, column }) => positionIn(source.body, line, column));
  return new GraphQLError(error.message, {
    source: positions ? source : undefined,
    positions,
    path: error.path,
    originalError: error.originalError ?? undefined,
    extensions: error.extensions,
  });
}

/** The offset of a 1-based line and column in a text (graphql-js counts \r\n, \n and \r as line ends). */
function positionIn(body: string, line: number, column: number): number {
  const lineEnds = /\r\n|[\n\r]/g;
  let offset = 0;
  for (let current = 1; current < line; current += 1) {
    const end = lineEnds.exec(body);
    if (!end) break;
    offset = end.index + end[0].length;
  }
  return offset + column - 1;
}
