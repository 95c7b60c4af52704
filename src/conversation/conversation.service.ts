import type { DataSource } from 'typeorm';
import type { Context } from '../context';
import { notFound } from '../errors';
import type { ConversationEntity } from './conversation.entity';
import { conversationPolicy } from './conversation.policy';

export class ConversationService {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * The conversation if the viewer may read it; otherwise NOT_FOUND, exactly
   * as for an ID that does not exist.
   */
  async findReadable(context: Context, id: string): Promise<ConversationEntity> {
    const conversation = await context.loaders.conversation.load(id);
    if (!conversation || !context.viewer || !conversationPolicy.canRead(context.viewer, conversation)) throw notFound();
    return conversation;
  }
}
