import { escapeHtml } from '@gatehouse/html';
import { emailTime, greeting, htmlLink, tokenLink, type TokenEmailInput } from './email-text';
import type { OutgoingEmail } from './notification.ports';

export type PasswordResetEmailInput = TokenEmailInput;

/** The link the gateway routes to auth's password reset endpoint. */
export function passwordResetLink(appUrl: string, token: string): string {
  return tokenLink(appUrl, '/api/auth/password/reset', token);
}

/**
 * The password reset email, as plain text and HTML. The name is reduced and escaped as in the
 * confirmation email; reading it must also reassure whoever did not ask: nothing changed yet.
 */
export function passwordResetEmail(input: PasswordResetEmailInput): OutgoingEmail {
  const link = passwordResetLink(input.appUrl, input.token);
  const hello = greeting(input.name);
  const expires = emailTime(input.expiresAt);
  return {
    to: input.email,
    subject: 'Reset your password',
    reference: input.reference,
    text: [
      hello,
      '',
      'We received a request to reset the password of your account. Choose a new password by opening this link:',
      link,
      '',
      `The link works once and expires on ${expires}.`,
      '',
      'If you did not ask for this, ignore this email: your password is unchanged.',
    ].join('\n'),
    html: [
      `<p>${escapeHtml(hello)}</p>`,
      '<p>We received a request to reset the password of your account.</p>',
      `<p>${htmlLink(link, 'Choose a new password')}</p>`,
      `<p>Or paste this link into your browser: ${escapeHtml(link)}</p>`,
      `<p>The link works once and expires on ${escapeHtml(expires)}.</p>`,
      '<p>If you did not ask for this, ignore this email: your password is unchanged.</p>',
    ].join('\n'),
  };
}
