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

/**
 * The field extension (type-graphql `@Extensions({ sessionBound: true })`)
 * that marks a field whose value belongs to the asking session, such as a
 * download link signed for it: a result holding one is never shared with
 * another session.
 */
export const SESSION_BOUND = 'sessionBound';

let unresolved = 0;

export interface ExecutedSelection {
  /** Equal for two operations exactly when they execute the same fields with the same arguments. */
  readonly key: string;
  /** Whether it selects a field marked SESSION_BOUND. */
  readonly sessionBound: boolean;
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
  if (!operation || !root) return { key: `unresolved:${(unresolved += 1)}`, sessionBound: true };
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
  const key = `${operation.operation}${printer.selectionSet(operation.selectionSet, root)}`;
  return { key, sessionBound: printer.sessionBound };
}

class SelectionPrinter {
  sessionBound = false;
  /** Fragments being inlined: a cycle (refused by validation anyway) must not loop. */
  private readonly inlining = new Set<string>();

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly fragments: ReadonlyMap<string, FragmentDefinitionNode>,
    private readonly variables: Record<string, unknown>,
  ) {}

  selectionSet(selectionSet: SelectionSetNode, type: GraphQLNamedType | undefined): string {
    const parts: string[] = [];
    for (const selection of selectionSet.selections) {
      if (!this.included(selection.directives)) continue;
      if (selection.kind === Kind.FIELD) {
        const name = selection.name.value;
        const field = type && (isObjectType(type) || isInterfaceType(type)) ? type.getFields()[name] : undefined;
        if (field?.extensions?.[SESSION_BOUND]) this.sessionBound = true;
        const alias = selection.alias ? `${selection.alias.value}:` : '';
        const args = (selection.arguments ?? []).map((arg) => `${arg.name.value}:${this.value(arg.value)}`).join(',');
        const children = selection.selectionSet ? this.selectionSet(selection.selectionSet, field && getNamedType(field.type)) : '';
        parts.push(`${alias}${name}${args ? `(${args})` : ''}${children}`);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        parts.push(this.fragment(selection.typeCondition?.name.value, selection.selectionSet, type));
      } else {
        const fragment = this.fragments.get(selection.name.value);
        if (!fragment || this.inlining.has(fragment.name.value)) continue;
        this.inlining.add(fragment.name.value);
        parts.push(this.fragment(fragment.typeCondition.name.value, fragment.selectionSet, type));
        this.inlining.delete(fragment.name.value);
      }
    }
    return `{${parts.filter(Boolean).join(' ')}}`;
  }

  /** A fragment on the type in hand is spliced in, as if its fields were written in place; one on another type keeps its condition. */
  private fragment(condition: string | undefined, selectionSet: SelectionSetNode, type: GraphQLNamedType | undefined): string {
    const inner = this.selectionSet(selectionSet, condition ? this.schema.getType(condition) ?? undefined : type);
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
