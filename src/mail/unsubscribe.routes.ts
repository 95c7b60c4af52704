import express, { type Express, type Response } from 'express';
import type { Logger } from '../logger';
import type { Services } from '../services';
import { html, type SafeHtml } from './email.render';
import type { UnsubscribeParams } from './unsubscribe.links';

/**
 * The unsubscribe link of every email (RFC 8058), `/email/unsubscribe?actor&sig`:
 *
 * - `POST` (a mailbox provider's one-click, body `List-Unsubscribe=One-Click`,
 *   or the button of the page below) sets the recipient's email setting to
 *   NONE: 200. The signature is what authorizes it; the body is not required.
 * - `GET` (a person who clicked the link, or a mail scanner fetching it) only
 *   shows a page with that button: fetching a link must not unsubscribe anyone.
 *
 * A link we did not sign (tampered, truncated) is 404 for both, like a page that does not exist.
 */
export function registerUnsubscribeRoutes(app: Express, services: Pick<Services, 'mail'>, logger: Logger): void {
  app.get('/email/unsubscribe', (req, res) => {
    if (!services.mail.isUnsubscribeLink(req.query as UnsubscribeParams)) return invalidLink(res);
    page(res, 200, 'Stop notification emails?', html`<h1>Stop notification emails?</h1>
<p>You will no longer get emails about mentions, tasks and conversations from Sidedoor. You can turn them back on in your notification settings.</p>
<form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">Unsubscribe</button></form>`);
  });

  app.post('/email/unsubscribe', express.urlencoded({ extended: false, limit: '1kb' }), async (req, res) => {
    try {
      if (!(await services.mail.unsubscribe(req.query as UnsubscribeParams))) return invalidLink(res);
    } catch (error) {
      logger.error({ err: error, requestId: res.locals.requestId }, 'unsubscribe failed');
      return page(res, 500, 'Something went wrong', html`<h1>Something went wrong</h1><p>Please try again in a moment.</p>`);
    }
    page(res, 200, 'Unsubscribed', html`<h1>You are unsubscribed</h1>
<p>Sidedoor will no longer email you notifications. You can turn them back on in your notification settings.</p>`);
  });
}

function invalidLink(res: Response): void {
  page(res, 404, 'Link not valid', html`<h1>This link is not valid</h1><p>Use the unsubscribe link of a recent email, exactly as it came.</p>`);
}

function page(res: Response, status: number, title: string, body: SafeHtml): void {
  res
    .status(status)
    .set({
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      // The page's own URL holds the signature: keep it out of Referer headers; no script, no outside resource.
      'referrer-policy': 'no-referrer',
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
      'x-content-type-options': 'nosniff',
    })
    .send(
      html`<!doctype html>
<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${title}</title></head>
<body style="font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#111827">
${body}
</body></html>
`.value,
    );
}
