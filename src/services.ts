import type { DataSource } from 'typeorm';
import type { ActorEntity, ActorKind } from './actor/actor.entity';
import { canSeeActor } from './actor/actor.policy';
import { AttachmentService } from './attachment/attachment.service';
import { DatabaseAttachmentStorage } from './attachment/attachment.storage';
import { AccountService } from './auth/account.service';
import { SessionService } from './auth/session.service';
import { isMember } from './auth/viewer';
import { CommentService } from './comment/comment.service';
import type { Config } from './config';
import type { Context } from './context';
import { ConversationService } from './conversation/conversation.service';
import { GuestService } from './guest/guest.service';
import { InvitationService } from './invitation/invitation.service';
import { JobQueue } from './jobs/job-queue';
import type { Logger } from './logger';
import { EmailComposer } from './mail/email.composer';
import { deliverEmailJob, EMAIL_JOB, type EmailJobPayload } from './mail/email.job';
import { MailService } from './mail/mail.service';
import { createMailer, type Mailer } from './mail/mailer';
import { UnsubscribeLinks } from './mail/unsubscribe.links';
import { MessageService } from './message/message.service';
import { LoggingTransport, type OutboundTransport } from './message/message.transport';
import { NodeService } from './node/node.service';
import { NotificationSettingsService } from './notification/notification-settings.service';
import { OrganizationService } from './organization/organization.service';
import { RealtimeService } from './realtime/realtime.service';
import { RateLimitService } from './security/rate-limit.service';
import { TaskService } from './task/task.service';
import { TeamService } from './team/team.service';

export interface ServiceDeps {
  dataSource: DataSource;
  config: Config;
  logger: Logger;
  /** Where replies go out; the default records and logs them. */
  transport?: OutboundTransport;
}

/** Every job name and the payload its jobs carry (JSON). */
export interface JobPayloads {
  [EMAIL_JOB]: EmailJobPayload;
}

/** The job queue with the handler of every job name: the same in every instance, and for `npm run migrate`. */
export function createJobQueue(deps: Omit<ServiceDeps, 'transport'>, mailer: Mailer): JobQueue<JobPayloads> {
  const { dataSource, config, logger } = deps;
  return new JobQueue<JobPayloads>(dataSource, config.jobs, logger).handle(
    EMAIL_JOB,
    deliverEmailJob({ mailer, sessionSecret: config.sessionSecret, logger }),
  );
}

/** Every service of one server instance, wired once at start. */
export function createServices(deps: ServiceDeps) {
  const { dataSource, config, logger } = deps;
  const mailer = createMailer(config, logger);
  const jobs = createJobQueue(deps, mailer);
  const notificationSettings = new NotificationSettingsService(dataSource);
  const unsubscribeLinks = new UnsubscribeLinks(config);
  const mail = new MailService({ config, jobs, composer: new EmailComposer(config, unsubscribeLinks), unsubscribeLinks, notificationSettings });
  const sessions = new SessionService(dataSource, config);
  const invitations = new InvitationService(config);
  const teams = new TeamService(dataSource);
  const rateLimits = new RateLimitService(config, logger);
  const realtime = new RealtimeService({ dataSource, config, logger, sessions });
  const events = realtime.events;
  const attachments = new AttachmentService(dataSource, config, logger, new DatabaseAttachmentStorage(dataSource), sessions);
  const conversations = new ConversationService(dataSource, events);

  return {
    deps,
    events,
    realtime,
    nodes: createNodeService(),
    sessions,
    invitations,
    teams,
    rateLimits,
    conversations,
    accounts: new AccountService(dataSource, config, sessions, invitations, teams, rateLimits, events),
    organizations: new OrganizationService(dataSource),
    comments: new CommentService(dataSource, conversations, rateLimits, attachments, events),
    messages: new MessageService(dataSource, conversations, deps.transport ?? new LoggingTransport(logger), attachments, logger),
    tasks: new TaskService(dataSource, conversations),
    guests: new GuestService(dataSource, config, invitations, sessions, rateLimits, events),
    attachments,
    mailer,
    jobs,
    mail,
    notificationSettings,
  };
}

export type Services = ReturnType<typeof createServices>;

/** `node(id)`: how each type is found for a viewer. Anything invisible is null, like anything missing. */
function createNodeService(): NodeService {
  const readable = async <T extends { conversationId: string } | null>(context: Context, entity: T): Promise<T | null> => {
    if (!entity) return null;
    const conversation = await context.services.conversations.findReadable(context, entity.conversationId).catch(() => null);
    return conversation ? entity : null;
  };
  return new NodeService()
    .register('Organization', async ({ viewer, services }: Context, id: string) =>
      id === viewer?.organizationId ? services.organizations.ofViewer(viewer) : null,
    )
    .register('User', (context, id) => findActor(context, id, 'MEMBER'))
    .register('Guest', (context, id) => findActor(context, id, 'GUEST'))
    .register('Conversation', (context, id) => context.services.conversations.findReadable(context, id).catch(() => null))
    .register('Comment', async (context, id) => readable(context, await context.services.comments.findLoaded(context.viewer!.organizationId, id)))
    .register('Message', async (context, id) => readable(context, await context.services.messages.findLoaded(context.viewer!.organizationId, id)))
    .register('Task', async (context, id) => readable(context, await context.services.tasks.findLoaded(context.viewer!.organizationId, id)))
    .register('Team', async (context, id) => (isMember(context.viewer!) ? context.loaders.team.load(id) : null))
    .register('Attachment', ({ viewer, services }, id) => services.attachments.findVisible(viewer, id));
}

async function findActor(context: Context, id: string, kind: ActorKind): Promise<ActorEntity | null> {
  const actor = await context.loaders.actor.load(id);
  return actor && actor.kind === kind && (await canSeeActor(context, actor)) ? actor : null;
}
