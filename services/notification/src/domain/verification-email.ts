import type { OutgoingEmail } from './notification.ports';

const HTML_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char]!);
}

/** Control characters and line breaks of any kind: the name stays on its greeting line. */
const CONTROLS_AND_BREAKS = /[\p{Cc}\p{Zl}\p{Zp}]+/gu;
/**
 * What a mail client would turn into a link: a scheme (`http://`), a `www.` host, a dotted
 * host ending in a TLD (`evil.example/login`, `bob@evil.example`), or an IPv4 address. Checked
 * after NFKC, so full-width look-alikes (`ｗｗｗ．`) count too.
 */
const URL_LIKE = [
  /[a-z][a-z0-9+.-]*:\/\//iu,
  /www[.\u3002]/iu,
  /[\p{L}\p{N}-][.\u3002]\p{L}{2,}(?![\p{L}\p{N}-])/u,
  /\d{1,3}(?:\.\d{1,3}){3}/u,
];

function looksLikeUrl(word: string): boolean {
  // Invisible format characters (zero-width space, joiners) would otherwise split a domain.
  const comparable = word.normalize('NFKC').replace(/\p{Cf}/gu, '');
  return URL_LIKE.some((pattern) => pattern.test(comparable));
}

/**
 * The user-chosen name as the email shows it: on one line, with every URL-like word dropped,
 * so a name cannot add lines or a fake link to the message. Null when nothing is left.
 */
export function displayName(name: string | null): string | null {
  if (!name) return null;
  const words = name
    .replace(CONTROLS_AND_BREAKS, ' ')
    .split(/\s+/u)
    .filter((word) => word.length > 0 && !looksLikeUrl(word));
  return words.length > 0 ? words.join(' ') : null;
}

export interface VerificationEmailInput {
  readonly appUrl: string;
  readonly email: string;
  readonly name: string | null;
  readonly token: string;
  readonly expiresAt: string;
  readonly reference: string;
}

/** The link the gateway routes to auth's verification endpoint. */
export function verificationLink(appUrl: string, token: string): string {
  const link = new URL('/api/auth/verify-email', appUrl);
  link.searchParams.set('token', token);
  return link.toString();
}

/**
 * The confirmation email, as plain text and HTML. The name is user input: reduced by
 * {@link displayName} in both parts (mail clients link bare domains in either) and escaped in HTML.
 */
export function verificationEmail(input: VerificationEmailInput): OutgoingEmail {
  const link = verificationLink(input.appUrl, input.token);
  const name = displayName(input.name);
  const greeting = name ? `Hello ${name},` : 'Hello,';
  const expires = new Date(input.expiresAt).toUTCString();
  return {
    to: input.email,
    subject: 'Confirm your email address',
    reference: input.reference,
    text: [greeting, '', 'Please confirm your email address by opening this link:', link, '', `The link expires on ${expires}.`, '', "If you did not sign up, ignore this email."].join('\n'),
    html: [
      `<p>${escapeHtml(greeting)}</p>`,
      '<p>Please confirm your email address:</p>',
      `<p><a href="${escapeHtml(link)}">Confirm my email address</a></p>`,
      `<p>Or paste this link into your browser: ${escapeHtml(link)}</p>`,
      `<p>The link expires on ${escapeHtml(expires)}. If you did not sign up, ignore this email.</p>`,
    ].join('\n'),
  };
}
