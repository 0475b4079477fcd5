import type { EmailMetrics, Mailer, ProcessedEventLog } from './notification.ports';
import { verificationEmail } from './verification-email';

export interface SendVerificationEmailDeps {
  readonly mailer: Mailer;
  readonly processed: ProcessedEventLog;
  readonly metrics: EmailMetrics;
  readonly appUrl: string;
}

export interface UserRegistered {
  readonly eventId: string;
  readonly email: string;
  readonly name: string | null;
  readonly verificationToken: string;
  readonly verificationExpiresAt: string;
}

/**
 * Sends the confirmation email for a registration unless this event was already handled.
 * The id is recorded only after the SMTP server accepted the message, so a failure is retried;
 * a crash between acceptance and the record (milliseconds) re-sends once on redelivery. That
 * at-least-once window is accepted: a second identical email is harmless, a lost one is not.
 */
export async function sendVerificationEmail(deps: SendVerificationEmailDeps, event: UserRegistered): Promise<'sent' | 'duplicate'> {
  if (await deps.processed.has(event.eventId)) return 'duplicate';
  const email = verificationEmail({
    appUrl: deps.appUrl,
    email: event.email,
    name: event.name,
    token: event.verificationToken,
    expiresAt: event.verificationExpiresAt,
    reference: event.eventId,
  });
  try {
    await deps.mailer.send(email);
  } catch (error) {
    deps.metrics.failed('verification');
    throw error;
  }
  deps.metrics.sent('verification');
  await deps.processed.record(event.eventId);
  return 'sent';
}
