import { passwordResetEmail } from './password-reset-email';
import { sendEmailOnce, type SendEmailOnceDeps } from './send-email-once';

export interface SendPasswordResetEmailDeps extends SendEmailOnceDeps {
  readonly appUrl: string;
}

export interface PasswordResetRequested {
  readonly eventId: string;
  readonly email: string;
  readonly name: string | null;
  readonly resetToken: string;
  readonly resetExpiresAt: string;
}

/** Sends the password reset link, once per event (see {@link sendEmailOnce}). */
export function sendPasswordResetEmail(deps: SendPasswordResetEmailDeps, event: PasswordResetRequested): Promise<'sent' | 'duplicate'> {
  return sendEmailOnce(deps, event.eventId, 'password_reset', () =>
    passwordResetEmail({
      appUrl: deps.appUrl,
      email: event.email,
      name: event.name,
      token: event.resetToken,
      expiresAt: event.resetExpiresAt,
      reference: event.eventId,
    }),
  );
}
