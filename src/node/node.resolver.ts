import { Arg, Authorized, Ctx, ID, Query, Resolver } from 'type-graphql';
import type { Context } from '../context';
import { notFound } from '../errors';
import { parseGlobalId } from '../ids';
import { Node } from './node.type';

@Resolver()
export class NodeResolver {
  @Authorized()
  @Query(() => Node, { nullable: true, description: 'Anything the viewer may see, by its global ID.' })
  async node(@Arg('id', () => ID) id: string, @Ctx() context: Context): Promise<object> {
    const parsed = parseGlobalId(id);
    const found = parsed ? await context.services.nodes.find(context, parsed.type, parsed.id) : null;
    if (!found) throw notFound();
    return found;
  }
}
