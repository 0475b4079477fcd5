import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface CapturedEmail {
  readonly to: string[];
  /** The raw message with quoted-printable soft breaks and escapes undone. */
  readonly decoded: string;
}

/** A real SMTP server in the test process that keeps every message it accepts. */
export interface SmtpCapture {
  readonly url: string;
  readonly received: CapturedEmail[];
  /** While true, every message is refused with a 451 after DATA. */
  reject(on: boolean): void;
  /** How many messages were refused. */
  rejected(): number;
  /**
   * While on, a message's data is read but not answered; turning it off answers the held ones.
   * A message whose client disconnected meanwhile is not accepted, as a real server would not.
   */
  hold(on: boolean): void;
  /** How many messages are being held. */
  held(): number;
  close(): Promise<void>;
}

function decodeQuotedPrintable(raw: string): string {
  return raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

export async function startSmtpCapture(): Promise<SmtpCapture> {
  const received: CapturedEmail[] = [];
  let refusing = false;
  let refusals = 0;
  let holding = false;
  const waiting: (() => void)[] = [];
  const closed = new Set<string>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onClose(session) {
      closed.add(session.id);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const answer = () => {
          if (closed.has(session.id)) return;
          accept();
        };
        if (holding) {
          waiting.push(answer);
          return;
        }
        answer();
      });
      const accept = () => {
        if (refusing) {
          refusals += 1;
          callback(Object.assign(new Error('Mailbox temporarily unavailable'), { responseCode: 451 }));
          return;
        }
        received.push({ to: session.envelope.rcptTo.map((r) => r.address), decoded: decodeQuotedPrintable(Buffer.concat(chunks).toString('utf8')) });
        callback();
      };
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    reject: (on) => {
      refusing = on;
    },
    rejected: () => refusals,
    hold: (on) => {
      holding = on;
      if (!on) for (const answer of waiting.splice(0)) answer();
    },
    held: () => waiting.length,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
