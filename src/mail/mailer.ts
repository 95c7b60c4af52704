import { createHash } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import nodemailer from 'nodemailer';
import type { Config } from '../config';
import type { Logger } from '../logger';
import type { Email } from './email';

/** Where emails leave Sidedoor. `send` resolves once the email was accepted, and throws what went wrong otherwise. */
export interface Mailer {
  send(email: Email): Promise<void>;
  close(): Promise<void>;
}

// Bounds on one SMTP delivery, so that a delivery ends (18 + 18 + 45 s at worst) long before its
// job is deemed stale (JOB_STALE_SECONDS) and retried elsewhere. nodemailer's own defaults are 2 and 10 minutes.
const SMTP_TIMEOUTS = { connectionTimeout: 18_000, greetingTimeout: 18_000, socketTimeout: 45_000 };

/** The nodemailer message of an email: the same for SMTP and for the outbox, so an .eml shows what SMTP would get. */
function nodemailerMessage(email: Email, from: Config['mail']['from']) {
  return {
    from: { name: from.name, address: from.address },
    to: { name: email.to.name ?? '', address: email.to.address },
    subject: email.subject,
    text: email.text,
    html: email.html,
    messageId: email.messageId,
    headers: {
      'Auto-Submitted': 'auto-generated',
      ...(email.unsubscribeUrl
        ? { 'List-Unsubscribe': `<${email.unsubscribeUrl}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' }
        : {}),
    },
    // Our content never points at files or URLs to inline; make sure nothing could.
    disableFileAccess: true,
    disableUrlAccess: true,
  };
}

/** SMTP_URL through nodemailer's pooled transport: one connection per concurrent job at most. */
export class SmtpMailer implements Mailer {
  private readonly transport;

  constructor(private readonly config: Pick<Config, 'mail' | 'jobs'>) {
    this.transport = nodemailer.createTransport({
      url: config.mail.smtpUrl!,
      pool: true,
      maxConnections: config.jobs.concurrency,
      ...SMTP_TIMEOUTS,
    });
  }

  async send(email: Email): Promise<void> {
    await this.transport.sendMail(nodemailerMessage(email, this.config.mail.from));
  }

  async close(): Promise<void> {
    this.transport.close();
  }
}

/**
 * Without SMTP_URL (development): each email becomes an RFC 5322 file in the
 * outbox folder, named after its Message-ID (a retry rewrites the same file),
 * and a log line says where.
 */
export class OutboxMailer implements Mailer {
  private readonly transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });

  constructor(
    private readonly config: Pick<Config, 'mail'>,
    private readonly logger: Logger,
  ) {}

  async send(email: Email): Promise<void> {
    const { message } = await this.transport.sendMail(nodemailerMessage(email, this.config.mail.from));
    const directory = resolve(this.config.mail.outboxDir);
    const kind = email.about.split(':', 1)[0]!.replace(/[^\w-]/g, '') || 'email';
    const file = join(directory, `${kind}-${createHash('sha256').update(email.messageId).digest('hex').slice(0, 16)}.eml`);
    await mkdir(directory, { recursive: true });
    // Written whole or not at all: a reader of the folder never sees half an email.
    await writeFile(`${file}.tmp`, message as Buffer);
    await rename(`${file}.tmp`, file);
    this.logger.info({ about: email.about, file }, 'email written to the outbox (no SMTP_URL)');
  }

  async close(): Promise<void> {}
}

export function createMailer(config: Pick<Config, 'mail' | 'jobs'>, logger: Logger): Mailer {
  return config.mail.smtpUrl ? new SmtpMailer(config) : new OutboxMailer(config, logger);
}
