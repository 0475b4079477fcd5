import type { SecurityNoticeKind } from '@gatehouse/events';

/** What the notification use cases need from the outside world. */

export interface OutgoingEmail {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  /** Ties the email to the event that caused it (file names, logs, headers). */
  readonly reference: string;
}

export interface Mailer {
  /** Resolves once the message is accepted (by the SMTP server, or written); rejects otherwise. */
  send(email: OutgoingEmail): Promise<void>;
  close(): void;
}

/** The `kind` label of the email metrics: one per template. */
export type EmailKind = 'verification' | 'password_reset' | SecurityNoticeKind;

export interface EmailMetrics {
  sent(kind: EmailKind): void;
  failed(kind: EmailKind): void;
}
