import type { ProcessedEvents } from '@gatehouse/events';
import type { EmailKind, EmailMetrics, Mailer, OutgoingEmail } from './notification.ports';

export interface SendEmailOnceDeps {
  readonly mailer: Mailer;
  /** The ids of one consumer: each queue dedupes its own events. */
  readonly processed: Pick<ProcessedEvents, 'has' | 'record'>;
  readonly metrics: EmailMetrics;
}

/**
 * Sends the email an event asks for unless this event was already handled.
 * The id is recorded only after the SMTP server accepted the message, so a failure is retried;
 * a crash between acceptance and the record (milliseconds) re-sends once on redelivery. That
 * at-least-once window is accepted: a second identical email is harmless, a lost one is not.
 */
export async function sendEmailOnce(deps: SendEmailOnceDeps, eventId: string, kind: EmailKind, compose: () => OutgoingEmail): Promise<'sent' | 'duplicate'> {
  if (await deps.processed.has(eventId)) return 'duplicate';
  const email = compose();
  try {
    await deps.mailer.send(email);
  } catch (error) {
    deps.metrics.failed(kind);
    throw error;
  }
  deps.metrics.sent(kind);
  await deps.processed.record(eventId);
  return 'sent';
}
