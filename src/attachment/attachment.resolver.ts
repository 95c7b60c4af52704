import { Ctx, Extensions, FieldResolver, ID, Resolver, Root } from 'type-graphql';
import type { Context } from '../context';
import { unauthenticated } from '../errors';
import { toGlobalId } from '../ids';
import { SESSION_BOUND } from '../realtime/executed-selection';
import type { AttachmentEntity } from './attachment.entity';
import { Attachment } from './attachment.type';

@Resolver(() => Attachment)
export class AttachmentResolver {
  @FieldResolver(() => ID)
  id(@Root() attachment: AttachmentEntity): string {
    return toGlobalId('Attachment', attachment.id);
  }

  /** Signed for the asking session, so it stops working once that session loses access: never shared with another session. */
  @Extensions({ [SESSION_BOUND]: true })
  @FieldResolver(() => String, { description: 'A link that downloads the file; short-lived.' })
  url(@Root() attachment: AttachmentEntity, @Ctx() { viewer, services }: Context): string {
    if (!viewer) throw unauthenticated();
    return services.attachments.signedUrl(attachment.id, viewer);
  }
}
