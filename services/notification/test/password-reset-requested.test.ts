import { managementUrl } from '@gatehouse/testing';
import { eventually, mailParts, passwordResetEvent, settle, startNotification, type NotificationHarness } from './notification-harness';

let harness: NotificationHarness;
beforeAll(async () => {
  harness = await startNotification('reset');
});
afterAll(() => harness.close());
afterEach(() => {
  harness.smtp.received.length = 0;
});

const mailsTo = (address: string) => harness.smtp.received.filter((m) => m.to.includes(address));
const metric = async (pattern: RegExp) => {
  const text = await (await fetch(`${managementUrl(harness.url)}/metrics`)).text();
  return Number(pattern.exec(text)?.[1] ?? 0);
};

describe('user.password_reset_requested → reset email', () => {
  it('when a reset request leaves through the outbox, then exactly one email arrives with the reset link in both parts', async () => {
    const event = passwordResetEvent();
    const link = `https://gatehouse.example.com/api/auth/password/reset?token=${event.payload.resetToken}`;

    await harness.publisher.publish(event);

    expect(await eventually(() => mailsTo(event.payload.email).length === 1)).toBe(true);
    await settle();
    expect(mailsTo(event.payload.email)).toHaveLength(1);
    const { headers, text, html } = mailParts(mailsTo(event.payload.email)[0]!);
    expect(headers).toMatch(/^Subject: Reset your password$/m);
    expect(text.split('\r\n')).toContain(link);
    expect(html).toContain(`href="${link}"`);
    expect(text).toContain(`expires on ${new Date(event.payload.resetExpiresAt).toUTCString()}`);
    expect(text).toContain('your password is unchanged');
    const { rows } = await harness.pool.query('SELECT consumer FROM processed_events WHERE event_id = $1', [event.id]);
    expect(rows).toEqual([{ consumer: `${harness.config.EVENTS_QUEUE_PREFIX}.password-reset-requested` }]);
    expect(await metric(/gatehouse_notification_emails_total\{kind="password_reset",outcome="sent",service="notification"\} (\d+)/)).toBeGreaterThanOrEqual(1);
  });

  it('when the same reset event is delivered twice, then still exactly one email is sent', async () => {
    const event = passwordResetEvent();

    await harness.publisher.publishRaw(event);
    expect(await eventually(() => mailsTo(event.payload.email).length === 1)).toBe(true);
    // The mail reaches the server a moment before the event is recorded as processed: redeliver after that.
    expect(await eventually(() => harness.logs.lines().some((l) => l.eventId === event.id && l.result === 'sent'))).toBe(true);
    await harness.publisher.publishRaw(event);
    await settle();

    expect(mailsTo(event.payload.email)).toHaveLength(1);
    expect(harness.logs.lines().some((l) => l.eventId === event.id && l.result === 'duplicate')).toBe(true);
  });

  it('when the name holds a line break and a link, then the email greets on one line and carries only the reset link', async () => {
    const event = passwordResetEvent({ name: 'Eve\nhttp://evil.example' });
    const link = `https://gatehouse.example.com/api/auth/password/reset?token=${event.payload.resetToken}`;

    await harness.publisher.publish(event);

    expect(await eventually(() => mailsTo(event.payload.email).length === 1)).toBe(true);
    const { headers, text, html } = mailParts(mailsTo(event.payload.email)[0]!);
    expect(text.split('\r\n')[0]).toBe('Hello Eve,');
    expect(html.split('\r\n')[0]).toBe('<p>Hello Eve,</p>');
    expect(`${headers}${text}${html}`).not.toContain('evil');
    expect([...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1])).toEqual([link]);
  });
});
