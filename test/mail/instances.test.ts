import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { loadConfig } from '../../src/config';
import { createDatabase, openDatabase } from '../../src/db';
import { createLogger } from '../../src/logger';
import { messageIdFor } from '../../src/mail/email';
import { EmailComposer } from '../../src/mail/email.composer';
import { EMAIL_JOB, sealEmail } from '../../src/mail/email.job';
import { OutboxMailer } from '../../src/mail/mailer';
import { UnsubscribeLinks } from '../../src/mail/unsubscribe.links';
import { createJobQueue } from '../../src/services';
import { deliveriesTo, enqueue, FAST_JOBS, recordingLogger, sleep, testDraft } from '../support/mail';
import { cloneTemplate, dropDatabase, freePort, itWithSharedDatabase, startServer } from '../support/server';
import { databaseUrl } from '../support/services';
import { TestSmtpServer } from '../support/smtp';

async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

describe('email jobs across instances and databases', () => {
  let smtp: TestSmtpServer;
  beforeAll(async () => {
    smtp = await TestSmtpServer.start();
  });
  afterAll(() => smtp?.stop());
  beforeEach(() => {
    smtp.answer = () => null;
  });

  itWithSharedDatabase('delivers each email once when two instances, started together on a fresh database, run the queue', async () => {
    const database = await cloneTemplate();
    const env = { DATABASE_URL: databaseUrl(database), SMTP_URL: smtp.url, ...FAST_JOBS };
    const [logsA, logsB] = [recordingLogger(), recordingLogger()];
    // Both install pg-boss's schema at once: they take turns under the migration lock.
    const [a, b] = await Promise.all([startServer(env, { logger: logsA.logger }), startServer(env, { logger: logsB.logger })]);
    try {
      const drafts = Array.from({ length: 40 }, () => testDraft());
      await Promise.all(drafts.map((draft, index) => enqueue(index % 2 ? a : b, draft)));
      await waitFor(() => drafts.every((draft) => deliveriesTo(smtp, draft.to.address).length > 0), 30_000, 'all 40 emails');
      await sleep(2000);
      for (const draft of drafts) {
        expect(deliveriesTo(smtp, draft.to.address).map((delivery) => delivery.parsed.messageId)).toEqual([messageIdFor(a.url, draft.about)]);
      }
      const sent = (lines: Array<Record<string, unknown>>) => lines.filter((line) => line.msg === 'email accepted').length;
      expect(sent(logsA.lines) + sent(logsB.lines)).toBe(40);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
      await dropDatabase(database);
    }
  }, 60_000);

  itWithSharedDatabase('delivers, from another instance, an email whose instance died in the middle of sending it', async () => {
    const database = await cloneTemplate();
    const url = databaseUrl(database);
    const draft = testDraft();
    // The first delivery never gets an answer: the instance sending it is killed meanwhile.
    smtp.answer = (_attempt, delivery) => (delivery.envelope.to.includes(draft.to.address) && deliveriesTo(smtp, draft.to.address).length === 0 ? 'hang' : null);
    const env = { DATABASE_URL: url, SMTP_URL: smtp.url, JOB_STALE_SECONDS: '3', JOB_POLL_INTERVAL_MS: '500', JOB_RETRY_DELAY_SECONDS: '1' };

    const port = await freePort();
    const child = spawn(process.execPath, [join(__dirname, '..', 'support', 'run-main.js')], {
      env: { PATH: process.env.PATH ?? '', NODE_ENV: 'development', LOG_LEVEL: 'silent', PORT: String(port), ...env },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const producer = createDatabase({ databaseUrl: url, dataDir: '' }, createLogger({ logLevel: 'silent' }));
    let survivor: Awaited<ReturnType<typeof startServer>> | null = null;
    try {
      await waitFor(() => child.exitCode === null, 1000, 'the child to run');
      for (let ready = false; !ready; await sleep(200)) {
        ready = await fetch(`http://127.0.0.1:${port}/healthz`).then((response) => response.ok, () => false);
        if (child.exitCode !== null) throw new Error('the first instance exited');
      }
      // Queued by a process that runs no worker, so the first instance is the one to take it.
      const config = loadConfig({ ...env, PUBLIC_URL: 'http://127.0.0.1:1' });
      const jobs = createJobQueue({ dataSource: producer.dataSource, config, logger: createLogger({ logLevel: 'silent' }) }, new OutboxMailer(config, createLogger({ logLevel: 'silent' })));
      await openDatabase(producer, { afterMigrations: () => jobs.install() });
      const email = new EmailComposer(config, new UnsubscribeLinks(config)).compose(draft);
      await producer.dataSource.transaction((manager) => jobs.enqueue(manager, EMAIL_JOB, sealEmail(config.sessionSecret, email), { key: email.about }));
      await jobs.stop();

      await waitFor(() => deliveriesTo(smtp, draft.to.address).length === 1, 20_000, 'the first instance to start sending');
      child.kill('SIGKILL');
      await exited;
      const killedAt = Date.now();

      survivor = await startServer(env);
      await waitFor(() => deliveriesTo(smtp, draft.to.address).some((delivery) => delivery.accepted), 20_000, 'another instance to deliver it');
      // JOB_STALE_SECONDS (3) + maintenance (1) + the first retry's delay (1 to 2) + polling, with room for a busy machine.
      expect(Date.now() - killedAt).toBeLessThan(15_000);
      await sleep(2000);
      const attempts = deliveriesTo(smtp, draft.to.address);
      expect(attempts.map((attempt) => attempt.accepted)).toEqual([false, true]);
      expect(new Set(attempts.map((attempt) => attempt.parsed.messageId)).size).toBe(1);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await survivor?.stop();
      if (producer.dataSource.isInitialized) await producer.dataSource.destroy();
      await dropDatabase(database);
    }
  }, 90_000);

  it('runs the same jobs on the embedded database, retries included', async () => {
    const draft = testDraft();
    smtp.answer = (_attempt, delivery) =>
      delivery.envelope.to.includes(draft.to.address) && deliveriesTo(smtp, draft.to.address).length === 0 ? { code: 421, message: '4.3.2 Shutting down' } : null;
    const server = await startServer({ DATABASE_URL: '', DATA_DIR: 'memory://', SMTP_URL: smtp.url, ...FAST_JOBS });
    try {
      expect(server.app.database.embedded).toBe(true);
      await enqueue(server, draft);
      await waitFor(() => deliveriesTo(smtp, draft.to.address).some((delivery) => delivery.accepted), 20_000, 'the email');
      await sleep(1500);
      expect(deliveriesTo(smtp, draft.to.address).map((delivery) => delivery.accepted)).toEqual([false, true]);
    } finally {
      await server.stop();
    }
  }, 60_000);

  it('writes each email as an .eml file in the outbox folder when there is no SMTP_URL, and logs where', async () => {
    const outbox = mkdtempSync(join(tmpdir(), 'sidedoor-outbox-'));
    const logs = recordingLogger();
    const server = await startServer({ OUTBOX_DIR: outbox, MAIL_FROM: '"Acme, Inc." <inbox@acme.test>', ...FAST_JOBS }, { logger: logs.logger });
    try {
      expect(server.app.services.mail.reachesInboxes).toBe(false);
      const draft = testDraft({ about: `invitation:${randomUUID()}`, subject: 'Welcome\r\nBcc: victim@evil.test' });
      await enqueue(server, draft);
      await waitFor(() => readdirSync(outbox).some((file) => file.endsWith('.eml')), 20_000, 'an .eml file');
      const [file] = readdirSync(outbox).filter((name) => name.endsWith('.eml'));
      expect(file).toMatch(/^invitation-[0-9a-f]{16}\.eml$/);
      const raw = readFileSync(join(outbox, file!), 'utf8');
      const parsed = await simpleParser(raw);
      expect(parsed.messageId).toBe(messageIdFor(server.url, draft.about));
      // A comma in the sender's name stays in the name.
      expect(parsed.from?.value).toEqual([{ name: 'Acme, Inc.', address: 'inbox@acme.test' }]);
      expect(parsed.subject).toBe('Welcome Bcc: victim@evil.test');
      expect(parsed.headers.has('bcc')).toBe(false);
      expect(parsed.text).toContain('Hello there.');
      expect(parsed.html).toContain('<p>Hello there.</p>');
      expect(raw).toContain('\r\n');
      expect(logs.lines.find((line) => line.msg === 'email written to the outbox (no SMTP_URL)')).toMatchObject({ about: draft.about, file: join(outbox, file!) });
    } finally {
      await server.stop();
      rmSync(outbox, { recursive: true, force: true });
    }
  });
});
