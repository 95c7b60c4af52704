import type { DataSource } from 'typeorm';
import { AttachmentService } from './attachment/attachment.service';
import { DatabaseAttachmentStorage } from './attachment/attachment.storage';
import { AccountService } from './auth/account.service';
import { PasswordHasher } from './auth/password';
import { SessionService } from './auth/session.service';
import type { Viewer } from './auth/viewer';
import { CommentService } from './comment/comment.service';
import type { Config } from './config';
import { ConversationService } from './conversation/conversation.service';
import { GuestService } from './guest/guest.service';
import { InvitationService } from './invitation/invitation.service';
import { createLoaders, type Loaders } from './loaders';
import type { Logger } from './logger';
import { MessageService } from './message/message.service';
import { LoggingTransport, type OutboundTransport } from './message/message.transport';
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

/** Every service of one server instance, wired once at start; transports reach the domain only through these. */
export function createServices({ dataSource, config, logger, transport }: ServiceDeps) {
  const sessions = new SessionService(dataSource, config);
  const invitations = new InvitationService(config);
  const teams = new TeamService(dataSource);
  const rateLimits = new RateLimitService(config, logger);
  const passwords = new PasswordHasher(config);
  const realtime = new RealtimeService({ dataSource, config, logger, sessions });
  const events = realtime.events;
  const attachments = new AttachmentService(dataSource, config, logger, new DatabaseAttachmentStorage(dataSource), sessions);
  const conversations = new ConversationService(dataSource, events);

  return {
    realtime,
    sessions,
    teams,
    rateLimits,
    passwords,
    conversations,
    accounts: new AccountService(dataSource, passwords, sessions, invitations, teams, rateLimits, events),
    organizations: new OrganizationService(dataSource),
    comments: new CommentService(dataSource, conversations, rateLimits, attachments, events),
    messages: new MessageService(dataSource, conversations, transport ?? new LoggingTransport(logger), attachments, logger),
    tasks: new TaskService(dataSource, conversations),
    guests: new GuestService(dataSource, config, invitations, sessions, rateLimits, events),
    attachments,
    /** Fresh per-request loaders for a viewer (scoped to their organization; a null viewer finds nothing). */
    loadersFor: (viewer: Viewer | null): Loaders => createLoaders(dataSource, viewer),
  };
}

export type Services = ReturnType<typeof createServices>;
