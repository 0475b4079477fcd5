import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import nodemailer from 'nodemailer';
import type { Mailer } from '../domain/notification.ports';
import { mailMessage } from './mail-message';

export interface SmtpMailerOptions {
  readonly url: string;
  readonly from: string;
  /** Bounds every SMTP step, so a hung server fails the attempt (and it is retried) instead of blocking. */
  readonly timeoutMs?: number;
}

/** No instrumentation package covers nodemailer: its sends are traced here. */
const tracer = trace.getTracer('@gatehouse/notification');

/**
 * Where the mail goes, for the span: host and port only. The URL's credentials, the
 * recipient and the message (it holds one-time links) are never recorded.
 */
function serverAttributes(url: string): Record<string, string | number> {
  const { hostname, port, protocol } = new URL(url);
  const secure = protocol === 'smtps:';
  return { 'server.address': hostname, 'server.port': port ? Number(port) : secure ? 465 : 587, 'network.protocol.name': 'smtp' };
}

/** Sends through an SMTP server (`smtp://user:pass@host:port`, or `smtps://`). */
export function createSmtpMailer(options: SmtpMailerOptions): Mailer {
  const timeout = options.timeoutMs ?? 10_000;
  const attributes = serverAttributes(options.url);
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
    send: (email) =>
      tracer.startActiveSpan('smtp send', { kind: SpanKind.CLIENT, attributes }, async (span) => {
        try {
          await transport.sendMail(mailMessage(options.from, email));
        } catch (error) {
          span.setStatus({ code: SpanStatusCode.ERROR, message: (error as { code?: string }).code ?? 'send failed' });
          throw error;
        } finally {
          span.end();
        }
      }),
    close: () => transport.close(),
  };
}
