import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import type { GraphQLArmorRejectCallback } from '@escape.tech/graphql-armor-types';
import {
  getNamedType,
  getNullableType,
  GraphQLError,
  isCompositeType,
  isInterfaceType,
  isListType,
  isObjectType,
  Kind,
  Lexer,
  TokenKind,
  TypeInfo,
  ValidationContext,
  type DocumentNode,
  type GraphQLSchema,
  type GraphQLCompositeType,
  type GraphQLField,
  type OperationDefinitionNode,
  type ParseOptions,
  type SelectionSetNode,
  type ValidationRule,
  type ValueNode,
  visit,
} from 'graphql';
import type { Viewer } from '../auth/viewer';
import type { Config, OperationLimits } from '../config';
import { ErrorCode } from '../errors';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../pagination';
import { introspectionRule } from './introspection';

/**
 * How many items the cost model assumes for a list that has no `first`
 * argument (members, participants, mentions, attachments, tasks): such lists
 * are short in practice, but nesting them must still cost something.
 */
export const UNSIZED_LIST_ESTIMATE = 10;

/** Who runs an operation, and with which variables: what the per-request limits depend on. */
export interface OperationRequest {
  viewer: Viewer | null;
  /**
   * The operation's variables, so `first: $n` is counted at its real value.
   * Leave undefined only when they are unknown: a page size passed through a
   * variable then counts as the largest allowed (100).
   */
  variables?: Record<string, unknown> | null;
}

/**
 * Every limit on one operation, as extra validation rules: tokens, depth,
 * aliases, directives, cost (connection sizes counted) and introspection
 * access. The websocket server validates each `subscribe` with these (plus
 * graphql's `specifiedRules`), passing the connection's viewer and the
 * message's variables; without `request` the rules judge the operation as an
 * anonymous caller's with unknown variables.
 *
 * Apollo gets the same rules split in two (see `securityPlugin`): the
 * document-only ones in `validationRules`, whose result Apollo caches per
 * document, and the per-request ones once the caller and variables are known.
 */
export function operationLimitRules(config: Config, request: OperationRequest = { viewer: null }): ValidationRule[] {
  return [...documentLimitRules(config), ...requestLimitRules(config, request)];
}

/** Limits that depend on the document alone, so a cached validation stays valid for every caller. */
export function documentLimitRules(config: Pick<Config, 'operationLimits'>): ValidationRule[] {
  const limits = config.operationLimits;
  // Armor's rules report through this callback rather than throwing, so their
  // errors come out like any validation error (BAD_USER_INPUT), minus the
  // misleading "Syntax Error:" prefix armor gives them.
  const reject: GraphQLArmorRejectCallback = (context, error) =>
    context?.reportError(
      new GraphQLError(error.message.replace(/^Syntax Error:\s*/, ''), { extensions: { code: ErrorCode.BAD_USER_INPUT } }),
    );
  const armor = { propagateOnRejection: false, onReject: [reject], exposeLimits: true };
  return [
    maxTokensRule(limits.maxTokens),
    // Fragments are flattened so a spread does not count as a level of its own;
    // introspection is bounded by graphql-js's own MaxIntrospectionDepthRule.
    maxDepthRule({ ...armor, n: limits.maxDepth, flattenFragments: true, ignoreIntrospection: true }),
    maxAliasesRule({ ...armor, n: limits.maxAliases }),
    maxDirectivesRule({ ...armor, n: limits.maxDirectives }),
  ];
}

/** Limits that depend on who asks and on the variables: checked on every request. */
export function requestLimitRules(config: Pick<Config, 'operationLimits' | 'introspection'>, request: OperationRequest): ValidationRule[] {
  return [introspectionRule(config, request.viewer), costRule(config.operationLimits, request.variables ?? undefined)];
}

/**
 * Parse options that stop reading a document at the token limit, before
 * building any of it: give them to `parse` wherever an operation is parsed.
 */
export function operationParseOptions(config: Pick<Config, 'operationLimits'>): ParseOptions {
  return { maxTokens: config.operationLimits.maxTokens };
}

/**
 * The token limit as a validation rule too, for code paths that parsed the
 * document without `operationParseOptions`. Counts what graphql-js's own
 * `maxTokens` counts: every lexical token but comments and the end.
 */
function maxTokensRule(maxTokens: number): ValidationRule {
  return (context) => {
    const source = context.getDocument().loc?.source;
    if (source) {
      const lexer = new Lexer(source);
      let count = 0;
      try {
        while (lexer.advance().kind !== TokenKind.EOF) {
          count += 1;
          if (count > maxTokens) {
            context.reportError(tooBig(tooManyTokens(maxTokens)));
            break;
          }
        }
      } catch {
        // A lexing error cannot happen on a document that parsed.
      }
    }
    return {};
  };
}

const tooManyTokens = (limit: string | number) => `This operation is too large: it has more than ${limit} tokens.`;

/** graphql-js words its token limit as a syntax error (with a typo). */
const TOKEN_LIMIT_SYNTAX_ERROR = /^Syntax Error: Document contains more tha[nt] (\d+) tokens\. Parsing aborted\.$/;

/** A parse error's message, with graphql-js's token-limit wording replaced by one that says what the limit is. */
export const describeTokenLimit = (message: string): string => message.replace(TOKEN_LIMIT_SYNTAX_ERROR, (_match, limit: string) => tooManyTokens(limit));

const tooBig = (message: string, operation?: OperationDefinitionNode) =>
  new GraphQLError(message, { nodes: operation ? [operation] : undefined, extensions: { code: ErrorCode.BAD_USER_INPUT } });

/**
 * Bounds how many objects one operation may return. Each field returning an
 * object costs one per object it may return; scalars are free (the token limit
 * bounds them). A field with a `first` or `last` argument is a connection: its
 * `edges` and `nodes` count `first` or `last` items (the default page size
 * when neither is given, the request's value when passed as a variable), and
 * everything beneath multiplies. Other
 * lists count as UNSIZED_LIST_ESTIMATE items. Fragments on several types of
 * an interface all count, as if every branch matched.
 */
export function costRule(limits: Pick<OperationLimits, 'maxCost'>, variables: Record<string, unknown> | undefined): ValidationRule {
  return (context) => ({
    OperationDefinition(operation) {
      const root = context.getSchema().getRootType(operation.operation);
      if (!root) return;
      const cost = new CostCounter(context, operation, variables).selectionSet(operation.selectionSet, root, 1, undefined);
      // `!(<=)` also refuses NaN and Infinity, should a page size be absurd.
      if (!(cost <= limits.maxCost)) {
        const shown = Number.isFinite(cost) ? Math.round(cost).toLocaleString('en-US') : 'unbounded';
        context.reportError(
          tooBig(
            `This operation may return too many objects (cost ${shown}, limit ${limits.maxCost.toLocaleString('en-US')}): ask for smaller pages (first or last) or fewer nested lists.`,
            operation,
          ),
        );
      }
    },
  });
}

/**
 * The cost of one operation of a document, as `costRule` counts it: what the
 * websocket server charges an actor's subscription budget for as long as the
 * subscription stays open.
 */
export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown> | undefined,
): number {
  const root = schema.getRootType(operation.operation);
  if (!root) return 0;
  const context = new ValidationContext(schema, document, new TypeInfo(schema), () => undefined);
  return new CostCounter(context, operation, variables).selectionSet(operation.selectionSet, root, 1, undefined);
}

/**
 * All that `costRule` reads of the variables of a document's operations: how
 * each variable given to a `first` or `last` argument counts (its number, null,
 * left out, or anything else, which counts as the largest page). Two requests
 * with the same key get the same cost.
 */
export function costVariablesKey(document: DocumentNode, variables: Record<string, unknown> | undefined): string {
  return pageSizeVariables(document)
    .map((name) => {
      if (!variables) return 'unknown';
      if (!(name in variables)) return 'absent';
      const value = variables[name];
      return typeof value === 'number' ? String(value) : value === null ? 'null' : 'other';
    })
    .join(',');
}

/** The variables a document passes to `first` or `last` arguments, in order of appearance; read once per document. */
const pageSizeVariablesOf = new WeakMap<DocumentNode, readonly string[]>();

function pageSizeVariables(document: DocumentNode): readonly string[] {
  let names = pageSizeVariablesOf.get(document);
  if (!names) {
    const found = new Set<string>();
    visit(document, {
      Argument(argument) {
        if ((argument.name.value === 'first' || argument.name.value === 'last') && argument.value.kind === Kind.VARIABLE) found.add(argument.value.name.value);
      },
    });
    names = [...found];
    pageSizeVariablesOf.set(document, names);
  }
  return names;
}

class CostCounter {
  /** Cost of each fragment per unit multiplier, keyed by name and the list size it inherits. */
  private readonly fragmentCosts = new Map<string, number>();
  private readonly expanding = new Set<string>();

  constructor(
    private readonly context: ValidationContext,
    private readonly operation: OperationDefinitionNode,
    private readonly variables: Record<string, unknown> | undefined,
  ) {}

  /**
   * @param multiplier how many times this selection set may be returned
   * @param connectionSize set when the selection set is a connection's: the size of its list fields
   */
  selectionSet(selectionSet: SelectionSetNode, type: GraphQLCompositeType, multiplier: number, connectionSize: number | undefined): number {
    let cost = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        if (selection.name.value.startsWith('__') || !(isObjectType(type) || isInterfaceType(type))) continue;
        const field = type.getFields()[selection.name.value];
        if (!field || !selection.selectionSet) continue;
        const childType = getNamedType(field.type);
        if (!isCompositeType(childType)) continue;
        const pageSize = this.pageSize(field, selection.arguments ?? []);
        if (pageSize !== undefined) {
          // The connection object itself, then its edges/nodes at the page size each.
          cost += multiplier + this.selectionSet(selection.selectionSet, childType, multiplier, pageSize);
        } else {
          const items = isListType(getNullableType(field.type)) ? (connectionSize ?? UNSIZED_LIST_ESTIMATE) : 1;
          const count = multiplier * items;
          cost += count + this.selectionSet(selection.selectionSet, childType, count, undefined);
        }
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const narrowed = selection.typeCondition ? this.context.getSchema().getType(selection.typeCondition.name.value) : type;
        if (narrowed && isCompositeType(narrowed)) cost += this.selectionSet(selection.selectionSet, narrowed, multiplier, connectionSize);
      } else {
        cost += multiplier * this.fragmentCost(selection.name.value, connectionSize);
      }
    }
    return cost;
  }

  private fragmentCost(name: string, connectionSize: number | undefined): number {
    const key = `${name}:${connectionSize ?? ''}`;
    const known = this.fragmentCosts.get(key);
    if (known !== undefined) return known;
    // A cycle is refused by NoFragmentCyclesRule; here it only must not loop.
    if (this.expanding.has(name)) return 0;
    const fragment = this.context.getFragment(name);
    const type = fragment && this.context.getSchema().getType(fragment.typeCondition.name.value);
    if (!fragment || !type || !isCompositeType(type)) return 0;
    this.expanding.add(name);
    const cost = this.selectionSet(fragment.selectionSet, type, 1, connectionSize);
    this.expanding.delete(name);
    this.fragmentCosts.set(key, cost);
    return cost;
  }

  /**
   * The page size a connection field asks for, or undefined when the field is
   * not a connection: `first` or `last`, whichever is given (the smaller when
   * both are, since Relay applies one after the other), else the argument's
   * default, else DEFAULT_PAGE_SIZE, as `pageArgs` reads them.
   */
  private pageSize(field: GraphQLField<unknown, unknown>, args: readonly { name: { value: string }; value: ValueNode }[]): number | undefined {
    const definitions = field.args.filter((arg) => arg.name === 'first' || arg.name === 'last');
    if (definitions.length === 0) return undefined;
    const sizes: number[] = [];
    for (const definition of definitions) {
      const value = args.find((arg) => arg.name.value === definition.name)?.value;
      const size = (value && this.intValue(value)) ?? (typeof definition.defaultValue === 'number' ? definition.defaultValue : undefined);
      if (size !== undefined) sizes.push(size);
    }
    return Math.max(0, sizes.length > 0 ? Math.min(...sizes) : DEFAULT_PAGE_SIZE);
  }

  /** An argument's value as a page size; undefined when it is null or left out (its default then applies). */
  private intValue(value: ValueNode): number | undefined {
    if (value.kind === Kind.NULL) return undefined;
    if (value.kind === Kind.INT) return Number.parseInt(value.value, 10);
    if (value.kind !== Kind.VARIABLE) return MAX_PAGE_SIZE;
    const name = value.name.value;
    if (!this.variables) return MAX_PAGE_SIZE;
    if (name in this.variables) {
      const given = this.variables[name];
      if (typeof given === 'number') return given;
      if (given === null) return undefined;
      return MAX_PAGE_SIZE;
    }
    const declared = this.operation.variableDefinitions?.find((definition) => definition.variable.name.value === name)?.defaultValue;
    return declared ? this.intValue(declared) : undefined;
  }
}
