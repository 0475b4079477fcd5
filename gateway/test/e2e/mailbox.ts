import type { CapturedEmail, SmtpCapture } from '@gatehouse/testing';

/** The Subject header of a captured message, unfolded (subjects are ASCII, so never encoded). */
export function subjectOf(mail: CapturedEmail): string {
  const header = /^Subject:[ \t]*(.*(?:\r?\n[ \t].*)*)/im.exec(mail.decoded)?.[1] ?? '';
  return header.replace(/\r?\n[ \t]+/g, ' ').trim();
}

/** The first link in a message to `path` whose only query parameter is an emailed token (256 bits, base64url). */
export function tokenLinkIn(mail: CapturedEmail, path: string): string | undefined {
  const escaped = path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  return new RegExp(`https?://[^\\s"<>]+${escaped}\\?token=[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])`).exec(mail.decoded)?.[0];
}

export function tokenOf(link: string): string {
  return new URL(link).searchParams.get('token')!;
}

/** A view of the SMTP capture by recipient, whose waits say which subjects did arrive when they time out. */
export interface Mailbox {
  to(address: string): CapturedEmail[];
  /** Waits for a message to `address`, after the first `skip` of them, that `matches`. */
  waitFor(address: string, what: string, matches: (mail: CapturedEmail) => boolean, options?: { skip?: number; timeoutMs?: number }): Promise<CapturedEmail>;
  /** The subjects received by `address`, for failure messages. */
  subjects(address: string): string[];
}

export function mailbox(smtp: SmtpCapture): Mailbox {
  const to = (address: string) => smtp.received.filter((m) => m.to.includes(address));
  const subjects = (address: string) => to(address).map(subjectOf);
  return {
    to,
    subjects,
    async waitFor(address, what, matches, { skip = 0, timeoutMs = 10_000 } = {}) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = to(address).slice(skip).find(matches);
        if (found) return found;
        if (Date.now() > deadline) {
          throw new Error(`timed out waiting for ${what} to ${address}; it received ${JSON.stringify(subjects(address))}`);
        }
        await new Promise((r) => setTimeout(r, 25));
      }
    },
  };
}
