import { randomUUID } from 'node:crypto';
import { messageIdFor } from '../../src/mail/email';
import { renderInvitationEmail } from '../../src/mail/invitation.email';
import { buildOrganization, uniqueEmail } from '../support/factories';
import { deliveriesTo, enqueue, FAST_JOBS, recordingLogger, sleep, testDraft } from '../support/mail';
import { startServer, type TestServer } from '../support/server';
import { TestSmtpServer } from '../support/smtp';

describe('email delivery through SMTP', () => {
  let smtp: TestSmtpServer;
  let server: TestServer;
  const logs = recordingLogger();

  beforeAll(async () => {
    smtp = await TestSmtpServer.start();
    server = await startServer({ SMTP_URL: smtp.url, MAIL_FROM: 'Acme Inbox <inbox@acme.test>', ...FAST_JOBS }, { logger: logs.logger });
  });
  afterAll(async () => {
    await server?.stop();
    await smtp?.stop();
  });
  beforeEach(() => {
    smtp.answer = () => null;
  });

  it('delivers an email queued in a transaction once, with escaped text and HTML parts and RFC 8058 headers', async () => {
    const owner = await buildOrganization(server);
    const address = uniqueEmail('guest');
    const draft = renderInvitationEmail({
      invitationId: randomUUID(),
      to: { address, name: 'Gina <gina@evil.test>\r\nBcc: victim@evil.test', actorId: owner.actor.id },
      inviterName: '<script>alert(1)</script>',
      organizationName: 'Smith & Sons',
      conversationSubject: 'Lease"><img src=x onerror=alert(1)>\r\nBcc: victim@evil.test\r\nX-Injected: yes',
      invitationUrl: `${server.url}/invitations/inv_secret`,
      expiresAt: new Date(Date.now() + 7 * 86400_000),
    });
    await enqueue(server, draft);

    const [email] = await smtp.waitForAccepted(1);
    await sleep(1500);
    expect(deliveriesTo(smtp, address)).toHaveLength(1);
    const { parsed, head, envelope } = email!;
    expect(envelope).toEqual({ from: 'inbox@acme.test', to: [address] });
    expect(parsed.from?.value).toEqual([{ name: 'Acme Inbox', address: 'inbox@acme.test' }]);
    expect(parsed.messageId).toBe(messageIdFor(server.url, draft.about));
    expect(parsed.subject).toBe('<script>alert(1)</script> invited you to “Lease"><img src=x onerror=alert(1)> Bcc: victim@evil.test X-Injected: yes” on Sidedoor');
    // The injection attempts stayed inside their header: no line of the head starts a header of theirs.
    expect(head).not.toMatch(/^(bcc|x-injected):/im);
    expect(parsed.headers.has('bcc')).toBe(false);
    expect(parsed.headers.has('x-injected')).toBe(false);
    expect(parsed.to && !Array.isArray(parsed.to) ? parsed.to.value.map((to) => to.address) : null).toEqual([address]);
    expect(parsed.text).toContain('<script>alert(1)</script> (Smith & Sons) invited you');
    expect(parsed.text).toContain(`${server.url}/invitations/inv_secret`);
    expect(parsed.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(parsed.html).toContain('Smith &amp; Sons');
    expect(parsed.html).not.toMatch(/<script|<img/);
    expect(head.split('\r\n')).toContain(`List-Unsubscribe: <${server.url}/email/unsubscribe?actor=${owner.actor.id}&sig=${/sig=([\w-]+)/.exec(head)![1]}>`);
    expect(head).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click$/m);
    // Logs name the email by what it is about, never by address or content.
    const accepted = logs.lines.find((line) => line.msg === 'email accepted' && line.about === draft.about);
    expect(accepted).toBeDefined();
    expect(JSON.stringify(logs.lines)).not.toContain(address);
  });

  it('never sends an email whose transaction rolled back', async () => {
    const draft = testDraft();
    await expect(
      server.app.database.dataSource.transaction(async (manager) => {
        await server.app.services.mail.enqueue(manager, draft);
        throw new Error('the cause failed');
      }),
    ).rejects.toThrow('the cause failed');
    await sleep(2000);
    expect(deliveriesTo(smtp, draft.to.address)).toHaveLength(0);
  });

  it('queues an email once per subject of it, however often it is enqueued', async () => {
    const draft = testDraft();
    await enqueue(server, draft);
    await enqueue(server, { ...draft, subject: 'Hello again' });
    await smtp.waitForAccepted(smtp.accepted.length + 1);
    await sleep(1500);
    expect(deliveriesTo(smtp, draft.to.address).map((delivery) => delivery.parsed.subject)).toEqual(['Hello']);
  });

  it('sets the recipient to no emails on a one-click POST of the unsubscribe link; a GET only asks; a tampered link is refused', async () => {
    const owner = await buildOrganization(server);
    const draft = testDraft({ to: { address: owner.email, name: 'Olivia Owner', actorId: owner.actor.id } });
    await enqueue(server, draft);
    await smtp.waitForAccepted(smtp.accepted.length + 1);
    const [email] = deliveriesTo(smtp, owner.email);
    const link = /^List-Unsubscribe: <([^>]+)>$/m.exec(email!.head)![1]!;
    const setting = async () => (await server.app.services.notificationSettings.emailSettings([owner.actor.id])).get(owner.actor.id);

    const page = await fetch(link);
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(await page.text()).toContain('<form method="post">');
    expect(await setting()).toBe('ALL');

    const tampered = link.replace(/sig=([\w-])/, (_match, first: string) => `sig=${first === 'A' ? 'B' : 'A'}`);
    for (const url of [tampered, link.replace(owner.actor.id, randomUUID()), link.split('&sig=')[0]!]) {
      expect((await fetch(url)).status).toBe(404);
      const refused = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
      expect(refused.status).toBe(404);
    }
    expect(await setting()).toBe('ALL');

    const oneClick = await fetch(link, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    expect(oneClick.status).toBe(200);
    expect(await setting()).toBe('NONE');
    const again = await fetch(link, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    expect(again.status).toBe(200);
  });

  it('retries after a temporary refusal (451) and delivers once, with the same Message-ID', async () => {
    const draft = testDraft();
    smtp.answer = (_attempt, delivery) =>
      delivery.envelope.to.includes(draft.to.address) && deliveriesTo(smtp, draft.to.address).length === 0 ? { code: 451, message: '4.7.1 Try again later' } : null;
    const started = Date.now();
    await enqueue(server, draft);
    await smtp.waitForAccepted(smtp.accepted.length + 1);
    await sleep(2500);
    const attempts = deliveriesTo(smtp, draft.to.address);
    expect(attempts.map((attempt) => attempt.accepted)).toEqual([false, true]);
    expect(new Set(attempts.map((attempt) => attempt.parsed.messageId))).toEqual(new Set([messageIdFor(server.url, draft.about)]));
    // The first retry comes after 1 to 2 × JOB_RETRY_DELAY_SECONDS (here 1 s), plus polling.
    expect(Date.now() - started).toBeLessThan(8000);
    expect(logs.lines.some((line) => line.msg === 'job failed: retrying later' && line.about === draft.about && line.responseCode === 451)).toBe(true);
  });

  it('drops an email the server refuses for good (550), logs it, and never retries it', async () => {
    const draft = testDraft();
    smtp.answer = (_attempt, delivery) => (delivery.envelope.to.includes(draft.to.address) ? { code: 550, message: '5.1.1 No such user here' } : null);
    await enqueue(server, draft);
    await smtp.waitForDeliveries(smtp.deliveries.length + 1);
    await sleep(4000);
    expect(deliveriesTo(smtp, draft.to.address).map((attempt) => attempt.accepted)).toEqual([false]);
    const dropped = logs.lines.find((line) => line.msg === 'job dropped: it can never succeed' && line.about === draft.about);
    expect(dropped).toMatchObject({ level: 50, queue: 'email', responseCode: 550, status: '5.1.1' });
    expect(JSON.stringify(dropped)).not.toContain(draft.to.address);
    // The only email this file drops: cancelled, not waiting for a retry.
    expect(await server.app.database.dataSource.query(`SELECT state FROM pgboss.job WHERE name = 'email' AND state IN ('cancelled', 'retry', 'failed')`)).toEqual([
      { state: 'cancelled' },
    ]);
  });

  it('loses nothing while the SMTP server is down: every email goes out once it is back', async () => {
    await smtp.stop();
    const drafts = Array.from({ length: 5 }, () => testDraft());
    for (const draft of drafts) await enqueue(server, draft);
    await sleep(3000);
    await smtp.start();
    await Promise.all(
      drafts.map(async (draft) => {
        for (let waited = 0; deliveriesTo(smtp, draft.to.address).length === 0; waited += 100) {
          if (waited > 20_000) throw new Error(`${draft.about} never arrived`);
          await sleep(100);
        }
      }),
    );
    await sleep(1500);
    for (const draft of drafts) expect(deliveriesTo(smtp, draft.to.address).map((attempt) => attempt.accepted)).toEqual([true]);
    expect(logs.lines.some((line) => line.msg === 'job failed: retrying later' && drafts.some((draft) => draft.about === line.about))).toBe(true);
  });

  it('sends a delayed email no earlier than its delay', async () => {
    const draft = testDraft();
    const started = Date.now();
    await enqueue(server, draft, { delaySeconds: 2 });
    await sleep(1000);
    expect(deliveriesTo(smtp, draft.to.address)).toHaveLength(0);
    for (let waited = 0; deliveriesTo(smtp, draft.to.address).length === 0; waited += 100) {
      if (waited > 10_000) throw new Error('the delayed email never arrived');
      await sleep(100);
    }
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
  });
});
