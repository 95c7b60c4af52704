import type { JobHandler } from '../jobs/job-queue';
import { PermanentJobFailure } from '../jobs/job.errors';
import type { Logger } from '../logger';
import { seal, unseal } from '../security/sealed';
import { deliveryFailure } from './delivery-error';
import type { Email } from './email';
import type { Mailer } from './mailer';

/** The job name of an email delivery. */
export const EMAIL_JOB = 'email';

// Keys sealed emails apart from every other sealed value.
const SEAL_LABEL = 'sidedoor/email-job/v1';

/**
 * An email waiting in the job table: sealed (see src/security/sealed.ts), since
 * it holds addresses, what people wrote and, for invitations, a link that sets
 * an account's password, while the database otherwise keeps only hashes of such links.
 */
export interface EmailJobPayload {
  readonly sealed: string;
}

export function sealEmail(secret: string, email: Email): EmailJobPayload {
  return { sealed: seal(secret, SEAL_LABEL, email) };
}

export function openEmail(secret: string, payload: EmailJobPayload): Email | null {
  return unseal<Email>(secret, SEAL_LABEL, payload.sealed);
}

/**
 * Delivers one email job. The email was rendered when it was enqueued, so
 * every attempt sends the same message with the same Message-ID.
 */
export function deliverEmailJob(deps: { mailer: Mailer; sessionSecret: string; logger: Logger }): JobHandler<EmailJobPayload> {
  return async (payload, job) => {
    const email = openEmail(deps.sessionSecret, payload);
    // Sealed under another SESSION_SECRET (it changed since), or damaged: no attempt can ever open it.
    if (!email) throw new PermanentJobFailure('the email cannot be opened: SESSION_SECRET changed since it was queued?');
    try {
      await deps.mailer.send(email);
    } catch (error) {
      throw deliveryFailure(error, email.about);
    }
    deps.logger.info({ about: email.about, jobId: job.id, attempt: job.retryCount + 1 }, 'email accepted');
  };
}
