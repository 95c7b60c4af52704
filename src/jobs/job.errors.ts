/**
 * How a job handler says that a job failed. Their message and details are
 * logged and kept with the job, so they carry no personal data (no address,
 * subject or body): ids, codes and counts only.
 */
abstract class JobFailure extends Error {
  constructor(
    message: string,
    readonly details: Readonly<Record<string, string | number>> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The job can never succeed (an SMTP 5xx): it is dropped, logged, and not retried. */
export class PermanentJobFailure extends JobFailure {}

/** The job may succeed later (an SMTP 4xx, a server down): it is retried with backoff. Any other error counts as this too. */
export class TemporaryJobFailure extends JobFailure {}
