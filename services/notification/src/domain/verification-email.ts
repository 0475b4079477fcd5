import type { OutgoingEmail } from './notification.ports';

const HTML_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char]!);
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

/** The confirmation email, as plain text and HTML; the name is user input and escaped. */
export function verificationEmail(input: VerificationEmailInput): OutgoingEmail {
  const link = verificationLink(input.appUrl, input.token);
  const greeting = input.name ? `Hello ${input.name},` : 'Hello,';
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
