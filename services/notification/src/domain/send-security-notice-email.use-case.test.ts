import { securityNoticeKinds, type ProcessedEvents } from '@gatehouse/events';
import type { EmailKind, Mailer, OutgoingEmail } from './notification.ports';
import { sendSecurityNoticeEmail, type SecurityNotice } from './send-security-notice-email.use-case';

function fakes(failWith?: Error) {
  const sent: OutgoingEmail[] = [];
  const ids = new Set<string>();
  const counted: string[] = [];
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
  const metrics = { sent: (kind: EmailKind) => void counted.push(`${kind} sent`), failed: (kind: EmailKind) => void counted.push(`${kind} failed`) };
  return { deps: { mailer, processed, metrics, signInUrl: 'https://app.example.com' }, sent, ids, counted };
}

const notice = (kind: SecurityNotice['kind']): SecurityNotice => ({
  eventId: `e-${kind}`,
  email: 'a@example.com',
  name: 'Ada',
  kind,
  at: '2026-01-02T00:00:00.000Z',
  userAgent: 'Firefox/121.0',
});

describe('sendSecurityNoticeEmail', () => {
  it.each(securityNoticeKinds)('when a %s notice is new, then one email goes out, counted under its kind', async (kind) => {
    const { deps, sent, counted } = fakes();
    expect(await sendSecurityNoticeEmail(deps, notice(kind))).toBe('sent');
    expect(sent).toHaveLength(1);
    expect(counted).toEqual([`${kind} sent`]);
  });

  it('when the same notice comes again, then no second email is sent', async () => {
    const { deps, sent } = fakes();
    await sendSecurityNoticeEmail(deps, notice('password_changed'));
    expect(await sendSecurityNoticeEmail(deps, notice('password_changed'))).toBe('duplicate');
    expect(sent).toHaveLength(1);
  });

  it('when the mailer fails, then the error propagates, nothing is recorded and the failure is counted under the kind', async () => {
    const { deps, ids, counted } = fakes(new Error('451 try later'));
    await expect(sendSecurityNoticeEmail(deps, notice('session_reuse_detected'))).rejects.toThrow('451 try later');
    expect(ids.size).toBe(0);
    expect(counted).toEqual(['session_reuse_detected failed']);
  });
});
