import type { DataSource } from 'typeorm';
import { AttachmentService } from './attachment/attachment.service';
import { AuditService } from './audit/audit.service';
import { DatabaseAttachmentStorage } from './attachment/attachment.storage';
import { AccountService } from './auth/account.service';
import { PasswordHasher } from './auth/password';
import { SessionService } from './auth/session.service';
import type { Viewer } from './auth/viewer';
import { CommentService } from './comment/comment.service';
import type { Config } from './config';
import { ConversationService } from './conversation/conversation.service';
import { AccessExpiryService } from './guest/access-expiry.service';
import { GuestService } from './guest/guest.service';
import { InvitationService } from './invitation/invitation.service';
import { JobQueue } from './jobs/job-queue';
import { createLoaders, type Loaders } from './loaders';
import type { Logger } from './logger';
import { EmailComposer } from './mail/email.composer';
import { deliverEmailJob, EMAIL_JOB, type EmailJobPayload } from './mail/email.job';
import { MailService } from './mail/mail.service';
import { createMailer, type Mailer } from './mail/mailer';
import { UnsubscribeLinks } from './mail/unsubscribe.links';
import { MessageService } from './message/message.service';
import { LoggingTransport, type OutboundTransport } from './message/message.transport';
import { NOTIFICATION_EMAIL_JOB, sendNotificationEmailJob, type NotificationEmailPayload } from './notification/notification-email.job';
import { NotificationSettingsService } from './notification/notification-settings.service';
import { NotificationService } from './notification/notification.service';
import { OrganizationService } from './organization/organization.service';
import { CursorCodec } from './pagination';
import { RealtimeService } from './realtime/realtime.service';
import { Reader } from './reads';
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
  [NOTIFICATION_EMAIL_JOB]: NotificationEmailPayload;
}

/**
 * The job queue with the handler of every job name, and the mail service
 * that queues emails on it (a notification's job queues its email): the
 * same in every instance, and for `npm run migrate`.
 */
function createMail(deps: Omit<ServiceDeps, 'transport'>, mailer: Mailer) {
  const { dataSource, config, logger } = deps;
  const jobs = new JobQueue<JobPayloads>(dataSource, config.jobs, logger);
  const notificationSettings = new NotificationSettingsService(dataSource);
  const unsubscribeLinks = new UnsubscribeLinks(config);
  const mail = new MailService({ config, jobs, composer: new EmailComposer(config, unsubscribeLinks), unsubscribeLinks, notificationSettings });
  jobs
    .handle(EMAIL_JOB, deliverEmailJob({ mailer, sessionSecret: config.sessionSecret, logger }))
    .handle(NOTIFICATION_EMAIL_JOB, sendNotificationEmailJob({ dataSource, mail, logger }));
  return { jobs, mail, notificationSettings };
}

/** The job queue alone, with every handler: what `npm run migrate` installs. */
export function createJobQueue(deps: Omit<ServiceDeps, 'transport'>, mailer: Mailer): JobQueue<JobPayloads> {
  return createMail(deps, mailer).jobs;
}

/** Every service of one server instance, wired once at start; transports reach the domain only through these. */
export function createServices(deps: ServiceDeps) {
  const { dataSource, config, logger, transport } = deps;
  const mailer = createMailer(config, logger);
  const { jobs, mail, notificationSettings } = createMail(deps, mailer);
  // The log settles accesses that expired unnoticed before it is read; settling them writes to the log.
  const audit: AuditService = new AuditService(dataSource, { settleOrganization: (organizationId) => expiry.settleOrganization(organizationId) }, logger);
  const expiry = new AccessExpiryService(dataSource, audit);
  // The session lookup and the loaders read through the pool as prepared statements on PostgreSQL (one PGlite session has no pool to spare).
  const reader = new Reader(dataSource, { prepare: config.databaseUrl !== null });
  const sessions = new SessionService(dataSource, config, expiry, reader);
  const invitations = new InvitationService(config);
  const teams = new TeamService(dataSource);
  const rateLimits = new RateLimitService(config, logger);
  const passwords = new PasswordHasher(config);
  const realtime = new RealtimeService({ dataSource, config, logger, sessions, expiry });
  const events = realtime.events;
  const attachments = new AttachmentService(dataSource, config, logger, new DatabaseAttachmentStorage(dataSource), sessions, audit);
  const cursors = new CursorCodec(config.sessionSecret);
  const conversations = new ConversationService(dataSource, events, audit, expiry, cursors, reader);
  const notifications = new NotificationService(dataSource, { config, jobs, events, cursors });

  return {
    realtime,
    sessions,
    /** Opaque, per-connection cursors (src/pagination.ts). */
    cursors,
    teams,
    rateLimits,
    passwords,
    conversations,
    audit,
    accounts: new AccountService(dataSource, passwords, sessions, invitations, teams, rateLimits, events, audit, { mail, notifications }),
    organizations: new OrganizationService(dataSource),
    comments: new CommentService(dataSource, conversations, rateLimits, attachments, events, notifications),
    messages: new MessageService(dataSource, conversations, transport ?? new LoggingTransport(logger), attachments, logger),
    tasks: new TaskService(dataSource, conversations, notifications),
    guests: new GuestService(dataSource, config, invitations, sessions, rateLimits, events, audit, expiry, { mail, notifications }),
    attachments,
    mailer,
    jobs,
    mail,
    notificationSettings,
    notifications,
    /** Fresh per-request loaders for a viewer (scoped to their organization; a null viewer finds nothing). */
    loadersFor: (viewer: Viewer | null): Loaders => createLoaders(dataSource, reader.batch(), viewer),
  };
}

export type Services = ReturnType<typeof createServices>;
