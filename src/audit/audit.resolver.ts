import { Args, ArgsType, Authorized, Ctx, Field, FieldResolver, ID, Int, Resolver, Root } from 'type-graphql';
import type { ActorEntity } from '../actor/actor.entity';
import { Actor } from '../actor/actor.type';
import type { AttachmentEntity } from '../attachment/attachment.entity';
import { Attachment } from '../attachment/attachment.type';
import { Gate } from '../auth/auth-checker';
import { scopeOf, type Context } from '../context';
import type { ConversationEntity } from '../conversation/conversation.entity';
import { Conversation } from '../conversation/conversation.type';
import { toGlobalId } from '../ids';
import type { OrganizationEntity } from '../organization/organization.entity';
import { Organization } from '../organization/organization.type';
import type { AuditEventEntity } from './audit.entity';
import type { AuditPage } from './audit.service';
import { AuditEvent, AuditEventConnection, AuditEventFilter } from './audit.type';

@ArgsType()
class AuditEventsArgs {
  @Field(() => Int, { nullable: true, defaultValue: 20, description: 'At most 100.' })
  first: number;

  @Field(() => String, { nullable: true, description: 'The cursor of the last event already seen: the page starts after it.' })
  after?: string | null;

  @Field(() => AuditEventFilter, { nullable: true, description: 'Narrows the log; every condition given must hold.' })
  filter?: AuditEventFilter | null;
}

/** `Organization.auditEvents`: owners and admins only; a member or a guest gets null and FORBIDDEN at that path. */
@Resolver(() => Organization)
export class OrganizationAuditResolver {
  @Authorized(Gate.ADMIN)
  @FieldResolver(() => AuditEventConnection, { nullable: true, description: 'Owners and admins only: the organization\'s audit log, newest first.' })
  auditEvents(@Root() _organization: OrganizationEntity, @Args() args: AuditEventsArgs, @Ctx() context: Context): Promise<AuditPage> {
    return context.services.audit.list(scopeOf(context).viewer, args);
  }
}

/** The total is a count over every matching event: only run when a client asks for it. */
@Resolver(() => AuditEventConnection)
export class AuditEventConnectionResolver {
  @FieldResolver(() => Int)
  totalCount(@Root() page: AuditPage, @Ctx() context: Context): Promise<number> {
    return context.services.audit.count(scopeOf(context).viewer, page.query);
  }
}

/** What an event names is looked up by id in the viewer's organization (an owner or admin sees all of it); gone: null. */
@Resolver(() => AuditEvent)
export class AuditEventResolver {
  @FieldResolver(() => ID)
  id(@Root() event: AuditEventEntity): string {
    return toGlobalId('AuditEvent', event.id);
  }

  @FieldResolver(() => Actor, { nullable: true })
  actor(@Root() event: AuditEventEntity, @Ctx() { loaders }: Context): Promise<ActorEntity | null> | null {
    return event.actorId ? loaders.actor.load(event.actorId) : null;
  }

  @FieldResolver(() => Actor, { nullable: true })
  subject(@Root() event: AuditEventEntity, @Ctx() { loaders }: Context): Promise<ActorEntity | null> | null {
    return event.subjectId ? loaders.actor.load(event.subjectId) : null;
  }

  @FieldResolver(() => Conversation, { nullable: true })
  conversation(@Root() event: AuditEventEntity, @Ctx() { loaders }: Context): Promise<ConversationEntity | null> | null {
    return event.conversationId ? loaders.conversation.load(event.conversationId) : null;
  }

  @FieldResolver(() => Attachment, { nullable: true })
  attachment(@Root() event: AuditEventEntity, @Ctx() { loaders }: Context): Promise<AttachmentEntity | null> | null {
    return event.attachmentId ? loaders.attachment.load(event.attachmentId) : null;
  }
}
