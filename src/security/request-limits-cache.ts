import { validate, type DocumentNode, type GraphQLError, type GraphQLSchema } from 'graphql';
import type { Config } from '../config';
import { introspectionAccess } from './introspection';
import { costVariablesKey, requestLimitRules, type OperationRequest } from './limits';

/**
 * Distinct verdicts kept per document: one per kind of caller (may introspect,
 * anonymous, refused) times the page sizes clients actually send. A client
 * cycling through page sizes only evicts its own verdicts, which are then
 * computed again.
 */
const VERDICTS_PER_DOCUMENT = 32;

/**
 * The per-request limits (introspection access, cost) checked once per
 * document and per what they depend on, not on every request: `validate`
 * walks the whole document, and the conversation page is asked for with the
 * same document by every client. The key is exactly what the rules read
 * (`introspectionAccess`, `costVariablesKey`), so a remembered verdict is the
 * one the rules would give. Documents are held weakly: Apollo's document
 * cache decides how many live, and each keeps at most VERDICTS_PER_DOCUMENT.
 * One cache per server, whose schema does not change.
 */
export class RequestLimitsCache {
  private readonly verdicts = new WeakMap<DocumentNode, Map<string, GraphQLError | null>>();

  constructor(private readonly config: Pick<Config, 'operationLimits' | 'introspection'>) {}

  /** The first refusal of the per-request limits for this caller and these variables, or null. */
  refusal(schema: GraphQLSchema, document: DocumentNode, request: OperationRequest): GraphQLError | null {
    const variables = request.variables ?? undefined;
    const key = `${introspectionAccess(this.config, request.viewer)}|${costVariablesKey(document, variables)}`;
    let byKey = this.verdicts.get(document);
    if (!byKey) {
      byKey = new Map();
      this.verdicts.set(document, byKey);
    }
    const known = byKey.get(key);
    if (known !== undefined) return known;
    const [refusal] = validate(schema, document, requestLimitRules(this.config, request));
    // Oldest first: a Map iterates in insertion order.
    if (byKey.size >= VERDICTS_PER_DOCUMENT) byKey.delete(byKey.keys().next().value!);
    byKey.set(key, refusal ?? null);
    return refusal ?? null;
  }
}
