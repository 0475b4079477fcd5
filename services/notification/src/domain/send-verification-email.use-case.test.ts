import type { ProcessedEvents } from '@gatehouse/events';
import type { Mailer, OutgoingEmail } from './notification.ports';
import { sendVerificationEmail, type UserRegistered } from './send-verification-email.use-case';

function fakes(failWith?: Error) {
  const sent: OutgoingEmail[] = [];
  const ids = new Set<string>();
  const counts = { sent: 0, failed: 0 };
  const mailer: Mailer = {
    async send(email) {
      if (failWith) throw failWith;
      sent.push(email);
    },
    close: () => undefined,
  };
  const processed: Pick<ProcessedEvents, 'has' | 'record'> = {
    has: async (id) => ids.has(id),
    record: async (id) => !ids.has(id) && Boolean(ids.add(id)),
  };
  const metrics = { sent: () => void (counts.sent += 1), failed: () => void (counts.failed += 1) };
  return { deps: { mailer, processed, metrics, appUrl: 'http://localhost:8080' }, sent, ids, counts };
}

const event: UserRegistered = {
  eventId: 'e1',
  email: 'a@example.com',
  name: 'Ada',
  verificationToken: 't'.repeat(43),
  verificationExpiresAt: '2026-01-02T00:00:00.000Z',
};

describe('sendVerificationEmail', () => {
  it('when the event is new, then one email goes out and the event is recorded', async () => {
    const { deps, sent, ids, counts } = fakes();
    expect(await sendVerificationEmail(deps, event)).toBe('sent');
    expect(sent).toHaveLength(1);
    expect(ids.has('e1')).toBe(true);
    expect(counts).toEqual({ sent: 1, failed: 0 });
  });

  it('when the same event comes again, then no second email is sent', async () => {
    const { deps, sent } = fakes();
    await sendVerificationEmail(deps, event);
    expect(await sendVerificationEmail(deps, event)).toBe('duplicate');
    expect(sent).toHaveLength(1);
  });

  it('when the mailer fails, then the error propagates, nothing is recorded and the failure is counted', async () => {
    const { deps, ids, counts } = fakes(new Error('451 try later'));
    await expect(sendVerificationEmail(deps, event)).rejects.toThrow('451 try later');
    expect(ids.size).toBe(0);
    expect(counts).toEqual({ sent: 0, failed: 1 });
  });
});
