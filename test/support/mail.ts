import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { createLogger } from '../../src/logger';
import type { EmailDraft } from '../../src/mail/email';
import { html } from '../../src/mail/email.render';
import { uniqueEmail } from './factories';
import type { TestServer } from './server';
import type { Delivery, TestSmtpServer } from './smtp';

/** Fast retries and polling, so that a retry takes a second or two here; the defaults are in config.test.ts. */
export const FAST_JOBS = { JOB_POLL_INTERVAL_MS: '500', JOB_RETRY_DELAY_SECONDS: '1', JOB_STALE_SECONDS: '5' };

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A plain test email to a fresh address. */
export function testDraft(overrides: Partial<EmailDraft> = {}): EmailDraft {
  return {
    about: `test:${randomUUID()}`,
    to: { address: uniqueEmail('recipient'), name: 'Rita Recipient', actorId: null },
    subject: 'Hello',
    text: 'Hello there.',
    html: html`<p>Hello there.</p>`,
    ...overrides,
  };
}

/** Queues an email the way services will: in a transaction of their own. */
export function enqueue(server: Pick<TestServer, 'app'>, draft: EmailDraft, options: { delaySeconds?: number } = {}): Promise<void> {
  return server.app.database.dataSource.transaction((manager) => server.app.services.mail.enqueue(manager, draft, options));
}

export const deliveriesTo = (smtp: TestSmtpServer, address: string): Delivery[] =>
  smtp.deliveries.filter((delivery) => delivery.envelope.to.includes(address));

/** A logger whose JSON lines a test can read. */
export function recordingLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { logger: createLogger({ logLevel: 'info' }, destination), lines };
}

