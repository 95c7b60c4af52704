import { randomUUID } from 'node:crypto';
import { loadConfig } from '../../src/config';
import { PermanentJobFailure, TemporaryJobFailure } from '../../src/jobs/job.errors';
import { deliveryFailure } from '../../src/mail/delivery-error';
import { isPlainAddress, messageIdFor } from '../../src/mail/email';
import { EmailComposer } from '../../src/mail/email.composer';
import { openEmail, sealEmail } from '../../src/mail/email.job';
import { escapeHtml, headerText, html } from '../../src/mail/email.render';
import { renderInvitationEmail } from '../../src/mail/invitation.email';
import { UnsubscribeLinks } from '../../src/mail/unsubscribe.links';
import { seal, unseal } from '../../src/security/sealed';

const config = loadConfig({ PUBLIC_URL: 'https://app.acme.test', SESSION_SECRET: 's'.repeat(40) });
const links = new UnsubscribeLinks(config);
const composer = new EmailComposer(config, links);

const hostile = {
  name: '<script>alert("x")</script> & Co',
  subject: 'Quote"><img src=x onerror=alert(1)>\r\nBcc: victim@evil.test',
};

function invitation(overrides: Partial<Parameters<typeof renderInvitationEmail>[0]> = {}) {
  return renderInvitationEmail({
    invitationId: '3b0f1a52-4a5c-4c1e-9f5e-0d2b8c4a7e11',
    to: { address: 'guest@lawfirm.test', name: 'Gina Guest', actorId: randomUUID() },
    inviterName: 'Olivia Owner',
    organizationName: 'Acme',
    conversationSubject: 'Lease renewal',
    invitationUrl: 'https://app.acme.test/invitations/inv_abc',
    expiresAt: new Date('2026-12-08T10:00:00Z'),
    ...overrides,
  });
}

describe('rendering emails', () => {
  it('escapes every interpolated value in HTML, and only those', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
    const inner = html`<em>${'<b>'}</em>`;
    expect(html`<p>${hostile.name}</p>${inner}`.value).toBe('<p>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co</p><em>&lt;b&gt;</em>');
  });

  it('makes header values one line without control characters, and bounds their length', () => {
    expect(headerText('Hello\r\nBcc: victim@evil.test\u2028X-Evil: 1\u0000!')).toBe('Hello Bcc: victim@evil.test X-Evil: 1 !');
    expect(Array.from(headerText('é'.repeat(500))).length).toBe(200);
  });

  it('renders an invitation naming the inviter, the organization, the conversation and the link, all escaped', () => {
    const email = composer.compose(invitation({ inviterName: hostile.name, organizationName: 'A & B', conversationSubject: hostile.subject }));
    expect(email.subject).toBe(`${hostile.name} invited you to “Quote"><img src=x onerror=alert(1)> Bcc: victim@evil.test” on Sidedoor`);
    expect(email.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co');
    expect(email.html).toContain('A &amp; B');
    expect(email.html).not.toMatch(/<script|<img/);
    expect(email.html).toContain('href="https://app.acme.test/invitations/inv_abc"');
    expect(email.text).toContain(`${hostile.name} (A & B) invited you to the conversation`);
    expect(email.text).toContain('https://app.acme.test/invitations/inv_abc');
  });

  it('names a member invitation by organization, with no unsubscribe link when there is no actor yet', () => {
    const email = composer.compose(invitation({ conversationSubject: null, to: { address: 'max@acme.test', name: null, actorId: null } }));
    expect(email.subject).toBe('Olivia Owner invited you to join Acme on Sidedoor');
    expect(email.unsubscribeUrl).toBeNull();
    expect(email.text).not.toContain('/email/unsubscribe');
  });

  it('gives an email a Message-ID derived from what it is about, on the host of PUBLIC_URL', () => {
    const first = composer.compose(invitation());
    const again = composer.compose(invitation({ inviterName: 'Someone else' }));
    expect(first.messageId).toMatch(/^<[0-9a-f]{40}@app\.acme\.test>$/);
    expect(again.messageId).toBe(first.messageId);
    expect(messageIdFor(config.publicUrl, 'invitation:other')).not.toBe(first.messageId);
  });

  it('refuses a recipient that is not one plain address', () => {
    for (const address of ['a@b.test, c@d.test', 'a@b.test\r\nBcc: c@d.test', 'Name <a@b.test>', 'nobody', 'a@b']) {
      expect(isPlainAddress(address)).toBe(false);
      expect(() => composer.compose(invitation({ to: { address, name: null, actorId: null } }))).toThrow(/not one plain address/);
    }
    expect(isPlainAddress('first.last+tag@sub.example.co.uk')).toBe(true);
  });
});

describe('unsubscribe links', () => {
  const actorId = randomUUID();
  const params = (url: string) => Object.fromEntries(new URL(url).searchParams);

  it('start with PUBLIC_URL and name their actor', () => {
    const url = links.urlFor(actorId);
    expect(url.startsWith('https://app.acme.test/email/unsubscribe?')).toBe(true);
    expect(links.verify(params(url))).toBe(actorId);
  });

  it('refuse a tampered signature, another actor, a missing part, or another secret', () => {
    const { sig } = params(links.urlFor(actorId));
    const flipped = `${sig!.slice(0, -1)}${sig!.endsWith('A') ? 'B' : 'A'}`;
    expect(links.verify({ actor: actorId, sig: flipped })).toBeNull();
    expect(links.verify({ actor: randomUUID(), sig })).toBeNull();
    expect(links.verify({ actor: actorId })).toBeNull();
    expect(links.verify({ actor: [actorId], sig })).toBeNull();
    const other = new UnsubscribeLinks(loadConfig({ SESSION_SECRET: 't'.repeat(40) }));
    expect(other.verify(params(links.urlFor(actorId)))).toBeNull();
  });
});

describe('sealed email jobs', () => {
  it('open only under the same secret and label, and not once tampered with', () => {
    const email = composer.compose(invitation());
    const payload = sealEmail(config.sessionSecret, email);
    expect(payload.sealed).not.toContain('inv_abc');
    expect(payload.sealed).not.toContain('guest@lawfirm.test');
    expect(openEmail(config.sessionSecret, payload)).toEqual(email);
    expect(openEmail('x'.repeat(40), payload)).toBeNull();
    expect(unseal(config.sessionSecret, 'another/label', payload.sealed)).toBeNull();
    const [version, iv, tag, data] = payload.sealed.split('.');
    const tampered = [version, iv, tag, `${data!.slice(0, 10)}${data![10] === 'A' ? 'B' : 'A'}${data!.slice(11)}`].join('.');
    expect(openEmail(config.sessionSecret, { sealed: tampered })).toBeNull();
    expect(openEmail(config.sessionSecret, { sealed: [version, iv, tag!.slice(0, 6), data].join('.') })).toBeNull();
    expect(unseal(config.sessionSecret, 'label', seal(config.sessionSecret, 'label', { a: 1 }))).toEqual({ a: 1 });
  });
});

describe('sorting failed deliveries', () => {
  const smtpError = (fields: Record<string, unknown>) => Object.assign(new Error('Can\'t send mail - all recipients were rejected: 550 5.1.1 <bob@x.test>: no such user'), fields);

  it('drops on a 5xx, keeping the codes but not the text that names the recipient', () => {
    const failure = deliveryFailure(smtpError({ code: 'EENVELOPE', responseCode: 550, response: '550 5.1.1 <bob@x.test>: no such user' }), 'invitation:1');
    expect(failure).toBeInstanceOf(PermanentJobFailure);
    expect(failure.details).toEqual({ about: 'invitation:1', code: 'EENVELOPE', responseCode: 550, status: '5.1.1' });
    expect(JSON.stringify({ message: failure.message, details: failure.details })).not.toContain('bob@x.test');
  });

  it('retries on a 4xx, a connection failure, a timeout, our own credentials, and anything unknown', () => {
    const temporary = [
      smtpError({ code: 'EMESSAGE', responseCode: 451, response: '451 4.7.1 try again later' }),
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:25'), { code: 'ECONNECTION' }),
      Object.assign(new Error('Timeout'), { code: 'ETIMEDOUT' }),
      smtpError({ code: 'EAUTH', responseCode: 535, response: '535 5.7.8 bad credentials' }),
      new Error('something else'),
      undefined,
    ];
    for (const error of temporary) expect(deliveryFailure(error, 'x:1')).toBeInstanceOf(TemporaryJobFailure);
  });
});
