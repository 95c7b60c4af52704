/**
 * The only way text gets into an email: every interpolated value is escaped
 * for where it goes. Names, subjects and comments are written by people we do
 * not trust, so none of them may add markup to the HTML part or a line (a
 * header, a recipient) to the message head.
 */

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char]!);
}

/** HTML that is already safe: written by us, or built by `html` from escaped values. */
export class SafeHtml {
  constructor(readonly value: string) {}

  toString(): string {
    return this.value;
  }
}

type HtmlValue = string | number | SafeHtml | readonly SafeHtml[];

function interpolate(value: HtmlValue): string {
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map((item: SafeHtml) => item.value).join('');
  return escapeHtml(String(value));
}

/** A template tag: html`<p>${name}</p>` escapes `name` unless it is SafeHtml itself. */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  return new SafeHtml(strings.reduce((out, string, index) => out + string + (index < values.length ? interpolate(values[index]!) : ''), ''));
}

/** Longest subject we send, in characters; longer ones are cut with an ellipsis. */
const MAX_SUBJECT_LENGTH = 200;

/**
 * A value fit for a header: one line (CR, LF, tabs and every other control or
 * separator character become a space), trimmed, at most `max` characters.
 * nodemailer then encodes what is not ASCII.
 */
export function headerText(value: string, max = MAX_SUBJECT_LENGTH): string {
  const line = value.replace(/[\p{Cc}\p{Zl}\p{Zp}\s]+/gu, ' ').trim();
  const chars = Array.from(line);
  return chars.length <= max ? line : `${chars.slice(0, max - 1).join('').trimEnd()}…`;
}

/** Text quoted in an email's plain part: control characters (but line breaks) removed, lines kept. */
export function plainText(value: string): string {
  return value.replace(/\r\n?/g, '\n').replace(/[^\P{Cc}\n\t]/gu, '');
}
