import { PermanentJobFailure, TemporaryJobFailure } from '../jobs/job.errors';

/** What nodemailer puts on the errors of a delivery (its `code`, the SMTP reply and its code). */
interface SmtpError {
  code?: unknown;
  responseCode?: unknown;
  response?: unknown;
}

/**
 * Failures that are ours to fix, not the recipient's: retried even when the
 * server answers 5xx, so that a wrong password or TLS setting delays email
 * until it is fixed instead of dropping every email meanwhile.
 */
const OUR_CONFIGURATION = new Set(['EAUTH', 'ENOAUTH', 'EOAUTH2', 'ETLS', 'ECONFIG']);

/** The enhanced status code of an SMTP reply ("5.1.1"): says why without the reply's text, which names the recipient. */
function enhancedStatus(response: unknown): string | undefined {
  return typeof response === 'string' ? /^\d{3}[ -](\d\.\d{1,3}\.\d{1,3})\b/.exec(response)?.[1] : undefined;
}

/**
 * Sorts a failed delivery (SPEC §12): an SMTP 5xx is permanent (the email is
 * dropped and logged); a 4xx, a connection that failed or timed out, and
 * anything unknown are temporary (retried with backoff). The failure carries
 * codes only, never the server's text.
 */
export function deliveryFailure(error: unknown, about: string): PermanentJobFailure | TemporaryJobFailure {
  const { code, responseCode, response } = (error ?? {}) as SmtpError;
  const details = {
    about,
    ...(typeof code === 'string' ? { code } : {}),
    ...(typeof responseCode === 'number' ? { responseCode } : {}),
    ...(enhancedStatus(response) ? { status: enhancedStatus(response)! } : {}),
  };
  const ours = typeof code === 'string' && OUR_CONFIGURATION.has(code);
  if (typeof responseCode === 'number' && responseCode >= 500 && responseCode < 600 && !ours) {
    return new PermanentJobFailure(`the SMTP server refused the email for good (${responseCode})`, details);
  }
  const reason = typeof responseCode === 'number' ? `the SMTP server answered ${responseCode}` : `could not talk to the SMTP server (${typeof code === 'string' ? code : 'unknown error'})`;
  return new TemporaryJobFailure(reason, details);
}
