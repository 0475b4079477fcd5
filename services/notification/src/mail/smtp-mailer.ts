import nodemailer from 'nodemailer';
import type { Mailer } from '../domain/notification.ports';

export interface SmtpMailerOptions {
  readonly url: string;
  readonly from: string;
  /** Bounds every SMTP step, so a hung server fails the attempt (and it is retried) instead of blocking. */
  readonly timeoutMs?: number;
}

/** Sends through an SMTP server (`smtp://user:pass@host:port`, or `smtps://`). */
export function createSmtpMailer(options: SmtpMailerOptions): Mailer {
  const timeout = options.timeoutMs ?? 10_000;
  // Pooled: a handshake per message (connect, EHLO, QUIT) would cap the pipeline's throughput.
  const transport = nodemailer.createTransport({
    url: options.url,
    pool: true,
    maxConnections: 10,
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
  } as nodemailer.TransportOptions);
  return {
    async send(email) {
      await transport.sendMail({
        from: options.from,
        to: email.to,
        subject: email.subject,
        text: email.text,
        html: email.html,
        headers: { 'X-Gatehouse-Reference': email.reference },
      });
    },
    close: () => transport.close(),
  };
}
