import { resolve } from 'node:path';
import type { EntityManager } from 'typeorm';
import type { Config } from '../config';
import type { JobEnqueuer } from '../jobs/job-queue';
import type { NotificationSettingsService } from '../notification/notification-settings.service';
import type { EmailDraft } from './email';
import type { EmailComposer } from './email.composer';
import { EMAIL_JOB, sealEmail, type EmailJobPayload } from './email.job';
import type { UnsubscribeLinks, UnsubscribeParams } from './unsubscribe.links';

/**
 * Email, as the rest of Sidedoor sees it: render a draft (src/mail/*.email.ts),
 * then `enqueue` it in the transaction of its cause. Delivery is a durable
 * job (src/mail/email.job.ts): it goes out once that transaction commits, is
 * retried while the SMTP server fails temporarily, and survives restarts.
 */
export class MailService {
  constructor(
    private readonly deps: {
      config: Pick<Config, 'sessionSecret' | 'mail'>;
      jobs: JobEnqueuer<{ [EMAIL_JOB]: EmailJobPayload }>;
      composer: EmailComposer;
      unsubscribeLinks: UnsubscribeLinks;
      notificationSettings: NotificationSettingsService;
    },
  ) {}

  /**
   * Whether emails reach people's inboxes (SMTP_URL is set). Without it they
   * only land in the outbox folder, so an invitation link must be shown to the
   * inviter instead (SPEC §12).
   */
  get reachesInboxes(): boolean {
    return this.deps.config.mail.smtpUrl !== null;
  }

  /** The folder emails are written to instead (no SMTP_URL), as an absolute path; null when they reach inboxes. */
  get outboxDir(): string | null {
    return this.reachesInboxes ? null : resolve(this.deps.config.mail.outboxDir);
  }

  /** A link into the web app (PUBLIC_URL/…), for renderers. */
  url(path: string): string {
    return this.deps.composer.url(path);
  }

  /**
   * Composes a draft and queues its delivery inside the caller's transaction
   * (`manager` from `dataSource.transaction`): sent if and only if that commits,
   * no earlier than `delaySeconds` from now. An email is queued once per
   * `about`: queuing the same one again adds nothing.
   */
  async enqueue(manager: EntityManager, draft: EmailDraft, options: { delaySeconds?: number } = {}): Promise<void> {
    const email = this.deps.composer.compose(draft);
    await this.deps.jobs.enqueue(manager, EMAIL_JOB, sealEmail(this.deps.config.sessionSecret, email), {
      key: email.about,
      delaySeconds: options.delaySeconds,
    });
  }

  /** Whether we signed this unsubscribe link. Changes nothing: a GET of it may be a mail scanner's. */
  isUnsubscribeLink(params: UnsubscribeParams): boolean {
    return this.deps.unsubscribeLinks.verify(params) !== null;
  }

  /** RFC 8058 one-click: a genuine link sets its actor's email setting to NONE. False for a link we did not sign. */
  async unsubscribe(params: UnsubscribeParams): Promise<boolean> {
    const actorId = this.deps.unsubscribeLinks.verify(params);
    return actorId !== null && this.deps.notificationSettings.setEmail(actorId, 'NONE');
  }
}
