import type { Config } from '../config';
import { isPlainAddress, messageIdFor, type Email, type EmailDraft } from './email';
import { headerText, html, plainText, type SafeHtml } from './email.render';
import type { UnsubscribeLinks } from './unsubscribe.links';

/** Longest display name put in a To header. */
const MAX_NAME_LENGTH = 100;

/**
 * Turns a renderer's draft into a complete Email: one-line subject and name,
 * the layout and footer around both bodies, the Message-ID, and the
 * recipient's signed unsubscribe link.
 */
export class EmailComposer {
  constructor(
    private readonly config: Pick<Config, 'publicUrl'>,
    private readonly unsubscribeLinks: UnsubscribeLinks,
  ) {}

  /** A link into the web app: every link in an email starts with PUBLIC_URL. */
  url(path: string): string {
    return `${this.config.publicUrl}/${path.replace(/^\/+/, '')}`;
  }

  compose(draft: EmailDraft): Email {
    if (!isPlainAddress(draft.to.address)) throw new Error(`email ${draft.about}: the recipient is not one plain address`);
    const subject = headerText(draft.subject);
    const unsubscribeUrl = draft.to.actorId ? this.unsubscribeLinks.urlFor(draft.to.actorId) : null;
    return {
      about: draft.about,
      to: { address: draft.to.address, name: draft.to.name ? headerText(draft.to.name, MAX_NAME_LENGTH) || null : null },
      subject,
      text: textWithFooter(plainText(draft.text), unsubscribeUrl),
      html: htmlDocument(subject, draft.html, unsubscribeUrl),
      messageId: messageIdFor(this.config.publicUrl, draft.about),
      unsubscribeUrl,
    };
  }
}

function textWithFooter(body: string, unsubscribeUrl: string | null): string {
  const footer = unsubscribeUrl ? `To stop notification emails from Sidedoor, open ${unsubscribeUrl}` : 'Sent by Sidedoor.';
  return `${body.trimEnd()}\n\n-- \n${footer}\n`;
}

function htmlDocument(subject: string, body: SafeHtml, unsubscribeUrl: string | null): string {
  const footer = unsubscribeUrl
    ? html`<a href="${unsubscribeUrl}" style="color:#6b7280">Stop notification emails from Sidedoor</a>`
    : html`Sent by Sidedoor.`;
  return html`<!doctype html>
<html>
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width">
<title>${subject}</title>
</head>
<body style="margin:0;padding:24px;font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;font-size:15px;line-height:1.5;color:#111827">
${body}
<hr style="border:none;border-top:1px solid #e5e7eb;margin:32px 0 16px">
<p style="font-size:12px;color:#6b7280">${footer}</p>
</body>
</html>
`.value;
}
