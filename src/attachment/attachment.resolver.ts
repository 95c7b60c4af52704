import { Ctx, FieldResolver, ID, Resolver, Root } from 'type-graphql';
import type { Context } from '../context';
import { unauthenticated } from '../errors';
import { toGlobalId } from '../ids';
import type { AttachmentEntity } from './attachment.entity';
import { Attachment } from './attachment.type';

@Resolver(() => Attachment)
export class AttachmentResolver {
  @FieldResolver(() => ID)
  id(@Root() attachment: AttachmentEntity): string {
    return toGlobalId('Attachment', attachment.id);
  }

  /** Signed for the asking session, so it stops working once that session loses access. */
  @FieldResolver(() => String)
  url(@Root() attachment: AttachmentEntity, @Ctx() { viewer, services, startedAt }: Context): string {
    if (!viewer) throw unauthenticated();
    return services.attachments.signedUrl(attachment.id, viewer, startedAt);
  }

  /** Signed at the operation's start, like every `url` of the operation: the two always agree. */
  @FieldResolver(() => Date)
  urlExpiresAt(@Ctx() { services, startedAt }: Context): Date {
    return services.attachments.linkExpiresAt(startedAt);
  }
}
