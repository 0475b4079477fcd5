import type { ProcessedEvents } from '@gatehouse/events';
import type { EmailKind, Mailer, OutgoingEmail } from './notification.ports';
import { sendPasswordResetEmail, type PasswordResetRequested } from './send-password-reset-email.use-case';

function fakes() {
  const sent: OutgoingEmail[] = [];
  const ids = new Set<string>();
  const counted: EmailKind[] = [];
  const mailer: Mailer = { send: async (email) => void sent.push(email), close: () => undefined };
  const processed: Pick<ProcessedEvents, 'has' | 'record'> = {
    has: async (id) => ids.has(id),
    record: async (id) => !ids.has(id) && Boolean(ids.add(id)),
  };
  const metrics = { sent: (kind: EmailKind) => void counted.push(kind), failed: () => undefined };
  return { deps: { mailer, processed, metrics, appUrl: 'https://app.example.com' }, sent, counted };
}

const event: PasswordResetRequested = {
  eventId: 'e1',
  email: 'a@example.com',
  name: 'Ada',
  resetToken: 't'.repeat(43),
  resetExpiresAt: '2026-01-02T00:00:00.000Z',
};

describe('sendPasswordResetEmail', () => {
  it('when the event is new, then one reset email goes out, counted as password_reset', async () => {
    const { deps, sent, counted } = fakes();
    expect(await sendPasswordResetEmail(deps, event)).toBe('sent');
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ to: 'a@example.com', subject: 'Reset your password', reference: 'e1' });
    expect(sent[0]!.text).toContain(`https://app.example.com/api/auth/password/reset?token=${'t'.repeat(43)}`);
    expect(counted).toEqual(['password_reset']);
  });

  it('when the same event comes again, then no second email is sent', async () => {
    const { deps, sent } = fakes();
    await sendPasswordResetEmail(deps, event);
    expect(await sendPasswordResetEmail(deps, event)).toBe('duplicate');
    expect(sent).toHaveLength(1);
  });
});
