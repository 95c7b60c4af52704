import { Field, Int, ObjectType, type ClassType } from 'type-graphql';

@ObjectType('PageInfo')
export class PageInfo {
  @Field()
  hasNextPage: boolean;

  @Field()
  hasPreviousPage: boolean;

  @Field(() => String, { nullable: true })
  startCursor: string | null;

  @Field(() => String, { nullable: true })
  endCursor: string | null;
}

/**
 * `XConnection` and `XEdge` types for one node type, named as the contract
 * names them. The shapes are plain objects built by `toConnection`.
 */
export function connectionTypes(name: string, nodeType: ClassType) {
  @ObjectType(`${name}Edge`)
  class EdgeType {
    @Field()
    cursor: string;

    @Field(() => nodeType)
    node: unknown;
  }

  @ObjectType(`${name}Connection`)
  class ConnectionType {
    @Field(() => [EdgeType])
    edges: EdgeType[];

    @Field(() => [nodeType])
    nodes: unknown[];

    @Field(() => PageInfo)
    pageInfo: PageInfo;

    @Field(() => Int)
    totalCount: number;
  }
  return { EdgeType, ConnectionType };
}

