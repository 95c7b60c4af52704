import {
  getNamedType,
  getOperationAST,
  isInterfaceType,
  isObjectType,
  Kind,
  valueFromASTUntyped,
  type DirectiveNode,
  type ExecutionArgs,
  type FragmentDefinitionNode,
  type GraphQLNamedType,
  type GraphQLSchema,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';
import type { Viewer } from '../auth/viewer';
import type { Services } from '../services';

/**
 * The field extension that marks a field whose value belongs to the asking
 * session, such as a download link signed for it. Its value is a
 * SessionRebinder (type-graphql: `@Extensions({ [SESSION_BOUND]: rebinder })`):
 * a shared execution's value is then made each subscriber's own before it is
 * sent. With `true` instead, a result holding the field is never shared with
 * another session.
 */
export const SESSION_BOUND = 'sessionBound';

/** Turns a session-bound value computed for one session into another subscriber's (a link re-signed for their session). */
export type SessionRebinder = (value: unknown, subscriber: { viewer: Viewer; services: Services }) => unknown;

/** A session-bound field in a result: the response keys that lead to it (lists crossed on the way), and how to rebind it. */
export interface SessionBoundField {
  readonly path: readonly string[];
  readonly rebind: SessionRebinder;
}

/**
 * The result as another subscriber must get it: every session-bound value
 * rebound for them. Copies only what changes; the shared result is never
 * mutated.
 */
export function rebindResult<T extends { data?: unknown }>(result: T, fields: readonly SessionBoundField[], subscriber: { viewer: Viewer; services: Services }): T {
  let data = result.data;
  for (const { path, rebind } of fields) data = replaceAt(data, path, (value) => rebind(value, subscriber));
  return data === result.data ? result : { ...result, data };
}

function replaceAt(value: unknown, path: readonly string[], replace: (value: unknown) => unknown): unknown {
  if (Array.isArray(value)) {
    const mapped = value.map((item) => replaceAt(item, path, replace));
    return mapped.some((item, index) => item !== value[index]) ? mapped : value;
  }
  if (value === null || value === undefined) return value;
  if (path.length === 0) return replace(value);
  if (typeof value !== 'object') return value;
  const [key, ...rest] = path;
  const record = value as Record<string, unknown>;
  if (!(key! in record)) return value;
  const next = replaceAt(record[key!], rest, replace);
  return next === record[key!] ? value : { ...record, [key!]: next };
}

export interface ExecutedSelection {
  /** Equal for two operations exactly when they execute the same fields with the same arguments; null for one that cannot be resolved, shared with nothing. */
  readonly key: string | null;
  /** The fields marked SESSION_BOUND with a rebinder: what each subscriber gets rebound. */
  readonly sessionBound: readonly SessionBoundField[];
  /** Whether it selects a session-bound field that cannot be rebound: then its result is the session's alone. */
  readonly sessionOnly: boolean;
}

/**
 * What an operation actually executes, printed canonically: the operation's
 * name and variable names are gone, fragments are inlined, variables are
 * replaced by their values (or defaults), and `@skip`/`@include` are applied.
 * Two subscriptions that differ only in how they are written run the same
 * selection, so they can share one execution per event.
 */
export function executedSelection(args: Pick<ExecutionArgs, 'schema' | 'document' | 'operationName' | 'variableValues'>): ExecutedSelection {
  const operation = getOperationAST(args.document, args.operationName);
  const root = operation && args.schema.getRootType(operation.operation);
  // Validation already refused such an operation: whatever runs is shared with nothing.
  if (!operation || !root) return { key: null, sessionBound: [], sessionOnly: true };
  const variables: Record<string, unknown> = {};
  for (const definition of operation.variableDefinitions ?? []) {
    const name = definition.variable.name.value;
    const given = args.variableValues?.[name];
    if (given !== undefined) variables[name] = given;
    else if (definition.defaultValue) variables[name] = valueFromASTUntyped(definition.defaultValue);
  }
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of args.document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const printer = new SelectionPrinter(args.schema, fragments, variables);
  const key = `${operation.operation}${printer.selectionSet(operation.selectionSet, root, [])}`;
  return { key, sessionBound: printer.sessionBound, sessionOnly: printer.sessionOnly };
}

class SelectionPrinter {
  readonly sessionBound: SessionBoundField[] = [];
  sessionOnly = false;
  /** Fragments being inlined: a cycle (refused by validation anyway) must not loop. */
  private readonly inlining = new Set<string>();

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly fragments: ReadonlyMap<string, FragmentDefinitionNode>,
    private readonly variables: Record<string, unknown>,
  ) {}

  selectionSet(selectionSet: SelectionSetNode, type: GraphQLNamedType | undefined, path: readonly string[]): string {
    const parts: string[] = [];
    for (const selection of selectionSet.selections) {
      if (!this.included(selection.directives)) continue;
      if (selection.kind === Kind.FIELD) {
        const name = selection.name.value;
        const field = type && (isObjectType(type) || isInterfaceType(type)) ? type.getFields()[name] : undefined;
        const fieldPath = [...path, selection.alias?.value ?? name];
        const bound = field?.extensions?.[SESSION_BOUND];
        if (typeof bound === 'function') this.sessionBound.push({ path: fieldPath, rebind: bound as SessionRebinder });
        else if (bound) this.sessionOnly = true;
        const alias = selection.alias ? `${selection.alias.value}:` : '';
        const args = (selection.arguments ?? []).map((arg) => `${arg.name.value}:${this.value(arg.value)}`).join(',');
        const children = selection.selectionSet ? this.selectionSet(selection.selectionSet, field && getNamedType(field.type), fieldPath) : '';
        parts.push(`${alias}${name}${args ? `(${args})` : ''}${children}`);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        parts.push(this.fragment(selection.typeCondition?.name.value, selection.selectionSet, type, path));
      } else {
        const fragment = this.fragments.get(selection.name.value);
        if (!fragment || this.inlining.has(fragment.name.value)) continue;
        this.inlining.add(fragment.name.value);
        parts.push(this.fragment(fragment.typeCondition.name.value, fragment.selectionSet, type, path));
        this.inlining.delete(fragment.name.value);
      }
    }
    return `{${parts.filter(Boolean).join(' ')}}`;
  }

  /** A fragment on the type in hand is spliced in, as if its fields were written in place; one on another type keeps its condition. */
  private fragment(condition: string | undefined, selectionSet: SelectionSetNode, type: GraphQLNamedType | undefined, path: readonly string[]): string {
    const inner = this.selectionSet(selectionSet, condition ? this.schema.getType(condition) ?? undefined : type, path);
    return !condition || condition === type?.name ? inner.slice(1, -1) : `...on ${condition}${inner}`;
  }

  private value(node: ValueNode): string {
    return JSON.stringify(valueFromASTUntyped(node, this.variables)) ?? 'null';
  }

  /** `@skip(if:)` and `@include(if:)` decided now: the only directives that can run on an operation here. */
  private included(directives: readonly DirectiveNode[] | undefined): boolean {
    for (const directive of directives ?? []) {
      const condition = directive.arguments?.find((arg) => arg.name.value === 'if');
      const value = condition ? valueFromASTUntyped(condition.value, this.variables) : undefined;
      if (directive.name.value === 'skip' && value === true) return false;
      if (directive.name.value === 'include' && value !== true) return false;
    }
    return true;
  }
}
