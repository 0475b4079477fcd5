import { sendEmailOnce, type SendEmailOnceDeps } from './send-email-once';
import { verificationEmail } from './verification-email';

export interface SendVerificationEmailDeps extends SendEmailOnceDeps {
  readonly appUrl: string;
}

export interface UserRegistered {
  readonly eventId: string;
  readonly email: string;
  readonly name: string | null;
  readonly verificationToken: string;
  readonly verificationExpiresAt: string;
}

/** Sends the confirmation email for a registration, once per event (see {@link sendEmailOnce}). */
export function sendVerificationEmail(deps: SendVerificationEmailDeps, event: UserRegistered): Promise<'sent' | 'duplicate'> {
  return sendEmailOnce(deps, event.eventId, 'verification', () =>
    verificationEmail({
      appUrl: deps.appUrl,
      email: event.email,
      name: event.name,
      token: event.verificationToken,
      expiresAt: event.verificationExpiresAt,
      reference: event.eventId,
    }),
  );
}
