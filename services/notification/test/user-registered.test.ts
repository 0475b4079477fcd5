import { managementUrl } from '@gatehouse/testing';
import { eventually, registeredEvent, settle, startNotification, type NotificationHarness } from './notification-harness';

let harness: NotificationHarness;
beforeAll(async () => {
  harness = await startNotification('registered');
});
afterAll(() => harness.close());
afterEach(() => {
  harness.smtp.reject(false);
  harness.smtp.received.length = 0;
});

const mailsTo = (address: string) => harness.smtp.received.filter((m) => m.to.includes(address));
const metric = async (pattern: RegExp) => {
  const text = await (await fetch(`${managementUrl(harness.url)}/metrics`)).text();
  return Number(pattern.exec(text)?.[1] ?? 0);
};

describe('user.registered → confirmation email', () => {
  it('when a registration leaves through the outbox, then exactly one email arrives with the link in both parts', async () => {
    const event = registeredEvent({ name: '<b>Ada</b> & "Co"' });
    const link = `https://gatehouse.example.com/api/auth/verify-email?token=${event.payload.verificationToken}`;

    await harness.publisher.publish(event);

    expect(await eventually(() => mailsTo(event.payload.email).length === 1)).toBe(true);
    await settle();
    const [mail] = mailsTo(event.payload.email);
    expect(mailsTo(event.payload.email)).toHaveLength(1);
    expect(mail!.decoded).toMatch(/Content-Type: multipart\/alternative/);
    expect(mail!.decoded).toMatch(/Content-Type: text\/plain/);
    expect(mail!.decoded).toMatch(/Content-Type: text\/html/);
    expect(mail!.decoded).toContain(`href="${link}"`);
    expect(mail!.decoded.split(link).length - 1).toBeGreaterThanOrEqual(3);
    expect(mail!.decoded).toContain('&lt;b&gt;Ada&lt;/b&gt; &amp; &quot;Co&quot;');
    expect(mail!.decoded).toMatch(/From: Gatehouse <no-reply@gatehouse.local>/);
    const { rows } = await harness.pool.query('SELECT event_id FROM processed_events WHERE event_id = $1', [event.id]);
    expect(rows).toHaveLength(1);
    expect(await metric(/gatehouse_notification_emails_total\{kind="verification",outcome="sent",service="notification"\} (\d+)/)).toBeGreaterThanOrEqual(1);
  });

  it('when the same event is delivered twice, then still exactly one email is sent', async () => {
    const event = registeredEvent();

    await harness.publisher.publishRaw(event);
    expect(await eventually(() => mailsTo(event.payload.email).length === 1)).toBe(true);
    // The mail reaches the server a moment before the event is recorded as processed: redeliver after that.
    expect(await eventually(() => harness.logs.lines().some((l) => l.eventId === event.id && l.result === 'sent'))).toBe(true);
    await harness.publisher.publishRaw(event);
    await settle();

    expect(mailsTo(event.payload.email)).toHaveLength(1);
    expect(await harness.deadLetterCount()).toBe(0);
    expect(harness.logs.lines().some((l) => l.eventId === event.id && l.result === 'duplicate')).toBe(true);
  });

  it('when the SMTP server keeps refusing, then the email is retried with back-off and then dead-lettered, and none is sent', async () => {
    harness.smtp.reject(true);
    const failedBefore = await metric(/gatehouse_notification_emails_total\{kind="verification",outcome="failed",service="notification"\} (\d+)/);
    const event = registeredEvent();

    await harness.publisher.publish(event);

    expect(await eventually(async () => (await harness.deadLetterCount()) === 1)).toBe(true);
    expect(harness.smtp.rejected()).toBe(harness.config.EVENT_MAX_ATTEMPTS);
    expect(mailsTo(event.payload.email)).toHaveLength(0);
    const { rows } = await harness.pool.query('SELECT 1 FROM processed_events WHERE event_id = $1', [event.id]);
    expect(rows).toHaveLength(0);
    expect(await metric(/gatehouse_notification_emails_total\{kind="verification",outcome="failed",service="notification"\} (\d+)/)).toBe(
      failedBefore + harness.config.EVENT_MAX_ATTEMPTS,
    );
    const [dead] = await harness.takeDeadLetters();
    expect(dead && JSON.parse(dead.content.toString())).toEqual(event);
    expect(dead?.properties.headers?.['x-gatehouse-dead-letter-reason']).toMatch(/Mailbox temporarily unavailable/);
  });

  it('when the SMTP server refuses once and then accepts, then the retry delivers exactly one email', async () => {
    harness.smtp.reject(true);
    const event = registeredEvent();
    await harness.publisher.publish(event);
    expect(await eventually(() => harness.smtp.rejected() > 0)).toBe(true);

    harness.smtp.reject(false);

    expect(await eventually(() => mailsTo(event.payload.email).length === 1)).toBe(true);
    await settle();
    expect(mailsTo(event.payload.email)).toHaveLength(1);
  });

  it('when a message breaks the contract, then it is dead-lettered at once and no email is attempted', async () => {
    const refusedBefore = harness.smtp.rejected();
    const event = registeredEvent();
    const invalid = { ...event, payload: { ...event.payload, verificationToken: 'too-short' } };

    await harness.publisher.publishRaw(invalid);

    expect(await eventually(async () => (await harness.deadLetterCount()) === 1)).toBe(true);
    const [dead] = await harness.takeDeadLetters();
    expect(dead?.content.toString()).toBe(JSON.stringify(invalid));
    expect(dead?.properties.headers?.['x-gatehouse-attempt']).toBeUndefined();
    expect(harness.smtp.received).toHaveLength(0);
    expect(harness.smtp.rejected()).toBe(refusedBefore);
    expect(harness.logs.lines().some((l) => l.msg === 'invalid event dead-lettered')).toBe(true);
  });
});
