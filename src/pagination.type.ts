import { Field, Int, ObjectType, type ClassType } from 'type-graphql';

@ObjectType('PageInfo', { description: 'Where a page sits in its list (Relay cursor connections).' })
export class PageInfo {
  @Field({ description: 'Whether items follow the last item of this page: ask again with `after: endCursor`.' })
  hasNextPage: boolean;

  @Field({ description: 'Whether items precede the first item of this page: ask again with `before: startCursor` (where the list takes `last`/`before`).' })
  hasPreviousPage: boolean;

  @Field(() => String, { nullable: true, description: "The first edge's cursor; null for an empty page." })
  startCursor: string | null;

  @Field(() => String, { nullable: true, description: "The last edge's cursor; null for an empty page." })
  endCursor: string | null;
}

/**
 * `XConnection` and `XEdge` types for one node type, named as the contract
 * names them. The shapes are plain objects built by `toConnection`.
 */
export function connectionTypes(name: string, nodeType: ClassType, plural: string) {
  @ObjectType(`${name}Edge`, { description: `One of a page of ${plural}, with its cursor.` })
  class EdgeType {
    @Field({ description: 'Opaque: pass it back as `after` (or `before`, where the list takes it) to this same list; any other list refuses it.' })
    cursor: string;

    @Field(() => nodeType, { description: `The item.` })
    node: unknown;
  }

  @ObjectType(`${name}Connection`, { description: `A page of ${plural} (a Relay cursor connection).` })
  class ConnectionType {
    @Field(() => [EdgeType], { description: 'The items of the page with their cursors.' })
    edges: EdgeType[];

    @Field(() => [nodeType], { description: 'The items of the page, when you need no cursors.' })
    nodes: unknown[];

    @Field(() => PageInfo, { description: 'Where this page sits in the list.' })
    pageInfo: PageInfo;

    @Field(() => Int, { description: 'How many items the whole list has, whatever the page.' })
    totalCount: number;
  }
  return { EdgeType, ConnectionType };
}
