import { managementUrl } from '@gatehouse/testing';
import { securityNoticeKinds, type SecurityNoticeKind } from '@gatehouse/events';
import { eventually, mailParts, securityNoticeEvent, settle, startNotification, type NotificationHarness } from './notification-harness';

let harness: NotificationHarness;
beforeAll(async () => {
  harness = await startNotification('notice');
});
afterAll(() => harness.close());
afterEach(() => {
  harness.smtp.received.length = 0;
});

const mailsTo = (address: string) => harness.smtp.received.filter((m) => m.to.includes(address));
const hrefs = (html: string) => [...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1]);
const metric = async (pattern: RegExp) => {
  const text = await (await fetch(`${managementUrl(harness.url)}/metrics`)).text();
  return Number(pattern.exec(text)?.[1] ?? 0);
};
/** SIGN_IN_URL, the web app: not APP_URL (https://gatehouse.example.com), whose root no Ingress routes. */
const signIn = 'https://app.gatehouse.example.com/sign-in';
const kinds: SecurityNoticeKind[] = [...securityNoticeKinds];

/** Published, awaited and checked to be the only email to the address. */
async function deliver(event: ReturnType<typeof securityNoticeEvent>) {
  await harness.publisher.publish(event);
  expect(await eventually(() => mailsTo(event.payload.email).length === 1)).toBe(true);
  await settle();
  expect(mailsTo(event.payload.email)).toHaveLength(1);
  return mailParts(mailsTo(event.payload.email)[0]!);
}

describe('user.security_notice → notice email', () => {
  it.each([
    ['password_changed', 'Your password was changed'],
    ['session_reuse_detected', 'We signed out a session that may have been stolen'],
    ['registration_attempted', 'Someone tried to create an account with your address'],
    ['mfa_enabled', 'Two-step sign-in was turned on for your account'],
    ['mfa_disabled', 'Two-step sign-in was turned off for your account'],
    ['passkey_added', 'A passkey was added to your account'],
    ['passkey_removed', 'A passkey was removed from your account'],
  ] as const)('when a %s notice is published, then exactly one email arrives titled "%s" with the user agent escaped', async (kind, subject) => {
    const event = securityNoticeEvent(kind, { userAgent: 'Mozilla/5.0 (X11; Linux x86_64) <b>Firefox</b>/121.0 & "x"' });

    const { headers, text, html } = await deliver(event);

    expect(headers).toContain(`Subject: ${subject}`);
    expect(text).toContain(new Date(event.payload.at).toUTCString());
    expect(text).toContain('Device: Mozilla/5.0 (X11; Linux x86_64) <b>Firefox</b>/121.0 & "x"');
    expect(html).toContain('Device: Mozilla/5.0 (X11; Linux x86_64) &lt;b&gt;Firefox&lt;/b&gt;/121.0 &amp; &quot;x&quot;');
    expect(hrefs(html)).toEqual([signIn]);
    const { rows } = await harness.pool.query('SELECT consumer FROM processed_events WHERE event_id = $1', [event.id]);
    expect(rows).toEqual([{ consumer: `${harness.config.EVENTS_QUEUE_PREFIX}.security-notice` }]);
    expect(
      await metric(new RegExp(`gatehouse_notification_emails_total\\{kind="${kind}",outcome="sent",service="notification"\\} (\\d+)`)),
    ).toBeGreaterThanOrEqual(1);
  });

  it('when the same notice is delivered twice, then still exactly one email is sent', async () => {
    const event = securityNoticeEvent('session_reuse_detected');

    await harness.publisher.publishRaw(event);
    expect(await eventually(() => mailsTo(event.payload.email).length === 1)).toBe(true);
    // The mail reaches the server a moment before the event is recorded as processed: redeliver after that.
    expect(await eventually(() => harness.logs.lines().some((l) => l.eventId === event.id && l.result === 'sent'))).toBe(true);
    await harness.publisher.publishRaw(event);
    await settle();

    expect(mailsTo(event.payload.email)).toHaveLength(1);
    expect(harness.logs.lines().some((l) => l.eventId === event.id && l.result === 'duplicate')).toBe(true);
  });

  it.each(kinds)('when a %s notice carries a hostile name and user agent, then they add no line, link or markup', async (kind) => {
    const benign = await deliver(securityNoticeEvent(kind, { name: 'Eve', userAgent: 'curl/8.5' }));
    const event = securityNoticeEvent(kind, {
      name: 'Eve\nhttp://evil.example',
      userAgent: '<script>alert(1)</script>\r\nBcc: x@evil.example\r\n\r\nhttps://evil.example/login',
    });

    const { headers, text, html } = await deliver(event);

    expect(mailsTo(event.payload.email)[0]!.to).toEqual([event.payload.email]);
    expect(headers).not.toMatch(/^Bcc:/im);
    expect(text.split('\r\n')[0]).toBe('Hello Eve,');
    expect(text.split('\r\n')).toHaveLength(benign.text.split('\r\n').length);
    expect(text.split('\r\n')).toContain('Device: <script>alert(1)</script> Bcc:');
    expect(html.split('\r\n')).toHaveLength(benign.html.split('\r\n').length);
    expect(html).not.toContain('<script>');
    expect(html).toContain('Device: &lt;script&gt;alert(1)&lt;/script&gt; Bcc:');
    expect(`${headers}${text}${html}`).not.toContain('evil');
    expect(hrefs(html)).toEqual([signIn]);
  });
});
