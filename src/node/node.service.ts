import type { Context } from '../context';
import type { NodeType } from '../ids';

/** How one type of node is looked up for a viewer: null when missing or invisible. */
export type NodeFinder = (context: Context, id: string) => Promise<object | null>;

/** `node(id)`: each domain registers how the viewer finds its objects. */
export class NodeService {
  private readonly finders = new Map<NodeType, NodeFinder>();

  register(type: NodeType, finder: NodeFinder): this {
    this.finders.set(type, finder);
    return this;
  }

  async find(context: Context, type: NodeType, id: string): Promise<object | null> {
    const finder = this.finders.get(type);
    return finder ? finder(context, id) : null;
  }
}
