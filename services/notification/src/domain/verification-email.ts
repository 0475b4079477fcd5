import { escapeHtml } from '@gatehouse/html';
import { emailTime, greeting, tokenLink, type TokenEmailInput } from './email-text';
import type { OutgoingEmail } from './notification.ports';

export type VerificationEmailInput = TokenEmailInput;

/** The link the gateway routes to auth's verification endpoint. */
export function verificationLink(appUrl: string, token: string): string {
  return tokenLink(appUrl, '/api/auth/verify-email', token);
}

/**
 * The confirmation email, as plain text and HTML. The name is user input: reduced by
 * `displayName` in both parts (mail clients link bare domains in either) and escaped in HTML.
 */
export function verificationEmail(input: VerificationEmailInput): OutgoingEmail {
  const link = verificationLink(input.appUrl, input.token);
  const hello = greeting(input.name);
  const expires = emailTime(input.expiresAt);
  return {
    to: input.email,
    subject: 'Confirm your email address',
    reference: input.reference,
    text: [
      hello,
      '',
      'Please confirm your email address by opening this link:',
      link,
      '',
      `The link expires on ${expires}.`,
      '',
      'If you did not sign up, ignore this email.',
    ].join('\n'),
    html: [
      `<p>${escapeHtml(hello)}</p>`,
      '<p>Please confirm your email address:</p>',
      `<p><a href="${escapeHtml(link)}">Confirm my email address</a></p>`,
      `<p>Or paste this link into your browser: ${escapeHtml(link)}</p>`,
      `<p>The link expires on ${escapeHtml(expires)}. If you did not sign up, ignore this email.</p>`,
    ].join('\n'),
  };
}
