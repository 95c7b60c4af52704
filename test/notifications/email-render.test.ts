import { randomUUID } from 'node:crypto';
import { loadConfig } from '../../src/config';
import { EmailComposer } from '../../src/mail/email.composer';
import { renderNotificationEmail, type NotificationEmail } from '../../src/mail/notification.email';
import { UnsubscribeLinks } from '../../src/mail/unsubscribe.links';

const config = loadConfig({ PUBLIC_URL: 'https://app.acme.test', SESSION_SECRET: 's'.repeat(40) });
const composer = new EmailComposer(config, new UnsubscribeLinks(config));

function notification(overrides: Partial<NotificationEmail> = {}) {
  return composer.compose(
    renderNotificationEmail({
      notificationId: '0b7a4d52-6f3e-4c1e-9f5e-0d2b8c4a7e11',
      reason: 'MENTIONED',
      to: { address: 'max@acme.test', name: 'Max Member', actorId: randomUUID() },
      actorName: 'Olivia Owner',
      organizationName: 'Acme',
      conversation: { subject: 'Lease renewal', url: 'https://app.acme.test/conversations/Q29udmVyc2F0aW9u' },
      commentBody: 'Please check clause 4.',
      taskTitle: null,
      appUrl: 'https://app.acme.test/',
      ...overrides,
    }),
  );
}

describe('rendering notification emails', () => {
  it('says who did what where for every reason, in one-line subjects', () => {
    expect(notification().subject).toBe('Olivia Owner mentioned you in “Lease renewal”');
    expect(notification({ reason: 'TASK_ASSIGNED', commentBody: null, taskTitle: 'Sign\r\nBcc: x@evil.test' }).subject).toBe('Olivia Owner assigned you a task: Sign Bcc: x@evil.test');
    expect(notification({ reason: 'ADDED_TO_CONVERSATION', commentBody: null, conversation: { subject: null, url: 'https://app.acme.test/conversations/x' } }).subject).toBe(
      'Olivia Owner added you to a conversation',
    );
    const joined = notification({ reason: 'GUEST_JOINED', actorName: null, conversation: null, commentBody: null });
    expect(joined.subject).toBe('Someone accepted your invitation to Acme');
    expect(joined.text).toContain('Open Sidedoor: https://app.acme.test/');
    expect(joined.messageId).toMatch(/^<[0-9a-f]{40}@app\.acme\.test>$/);
    expect(joined.unsubscribeUrl).toMatch(/^https:\/\/app\.acme\.test\/email\/unsubscribe\?actor=/);
  });

  it('quotes a mention line by line, escaped in HTML, and only up to 2,000 characters', () => {
    const email = notification({ commentBody: '<b>bold</b> & more\nsecond line' });
    expect(email.text).toContain('> <b>bold</b> & more\n> second line');
    expect(email.html).toContain('&lt;b&gt;bold&lt;/b&gt; &amp; more\nsecond line');
    expect(email.html).not.toContain('<b>bold');
    const long = notification({ commentBody: `${'é'.repeat(2500)}THE END` });
    expect(long.text).toContain(`> ${'é'.repeat(2000)}…`);
    expect(long.text).not.toContain('THE END');
    // Only a mention quotes its comment.
    expect(notification({ reason: 'TASK_ASSIGNED', taskTitle: 'Sign', commentBody: 'not quoted' }).text).not.toContain('not quoted');
  });
});
