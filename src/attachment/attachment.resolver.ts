import { Ctx, Extensions, FieldResolver, ID, Resolver, Root } from 'type-graphql';
import type { Context } from '../context';
import { unauthenticated } from '../errors';
import { toGlobalId } from '../ids';
import { SESSION_BOUND, type SessionRebinder } from '../realtime/executed-selection';
import type { AttachmentEntity } from './attachment.entity';
import { Attachment } from './attachment.type';

/** A link signed for the session a shared subscription event ran as, re-signed for another subscriber's. */
const resignFor: SessionRebinder = (url, { viewer, services }) => services.attachments.relink(String(url), viewer);

@Resolver(() => Attachment)
export class AttachmentResolver {
  @FieldResolver(() => ID)
  id(@Root() attachment: AttachmentEntity): string {
    return toGlobalId('Attachment', attachment.id);
  }

  /** Signed for the asking session, so it stops working once that session loses access: never handed to another session. */
  @Extensions({ [SESSION_BOUND]: resignFor })
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
