import { securityNoticeKinds, type SecurityNoticeKind } from '@gatehouse/events';
import { securityNoticeEmail, signInLink } from './security-notice-email';

const compose = (kind: SecurityNoticeKind, overrides: { name?: string | null; userAgent?: string | null } = {}) =>
  securityNoticeEmail({
    signInUrl: 'https://app.example.com',
    email: 'a@example.com',
    name: 'Ada',
    kind,
    at: '2026-01-02T03:04:05.000Z',
    userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/121.0',
    reference: 'e1',
    ...overrides,
  });

const hrefs = (html: string) => [...html.matchAll(/href="([^"]*)"/g)].map((match) => match[1]);
const kinds: SecurityNoticeKind[] = [...securityNoticeKinds];

describe('security notice email', () => {
  it.each([
    ['password_changed', 'Your password was changed', '"Forgot password"'],
    ['session_reuse_detected', 'We signed out a session that may have been stolen', 'Sign out everywhere'],
    ['registration_attempted', 'Someone tried to create an account with your address', 'If it was not you, ignore this email'],
    ['mfa_enabled', 'Two-step sign-in was turned on for your account', 'keep your recovery codes'],
    ['mfa_disabled', 'Two-step sign-in was turned off for your account', 'Every other session was signed out'],
    ['passkey_added', 'A passkey was added to your account', 'remove the passkey you do not recognise'],
    ['passkey_removed', 'A passkey was removed from your account', 'Every other session was signed out'],
  ] as const)('when the kind is %s, then the subject is "%s" and the advice fits', (kind, subject, advice) => {
    const email = compose(kind);
    expect(email).toMatchObject({ to: 'a@example.com', subject, reference: 'e1' });
    expect(email.text.split('\n')[0]).toBe('Hello Ada,');
    expect(email.text).toContain('Fri, 02 Jan 2026 03:04:05 GMT');
    expect(email.text).toContain(advice);
    expect(email.text).toContain('Device: Mozilla/5.0 (X11; Linux x86_64) Firefox/121.0');
  });

  it.each(kinds)('when the kind is %s, then the only link is the sign-in page of the app, never the reset API', (kind) => {
    const email = compose(kind);
    expect(signInLink('https://app.example.com')).toBe('https://app.example.com/');
    expect(hrefs(email.html)).toEqual(['https://app.example.com/']);
    expect(email.text).toContain('https://app.example.com/');
    expect(email.text).not.toContain('/api/');
  });

  it.each(kinds)('when the kind is %s and the user agent holds markup, then the HTML part shows it escaped', (kind) => {
    const email = compose(kind, { userAgent: 'Mozilla/5.0 <b>Firefox</b> & "x"' });
    expect(email.html).toContain('<p>Device: Mozilla/5.0 &lt;b&gt;Firefox&lt;/b&gt; &amp; &quot;x&quot;</p>');
    expect(email.html).not.toContain('<b>');
  });

  it.each(kinds)('when the kind is %s and the user agent is hostile, then it adds no line, link or markup', (kind) => {
    const plain = compose(kind);
    const email = compose(kind, { userAgent: '<script>alert(1)</script>\r\nBcc: x@evil.example\r\n\r\nhttps://evil.example/login' });
    expect(email.text.split('\n')).toHaveLength(plain.text.split('\n').length);
    expect(email.text.split('\n')).toContain('Device: <script>alert(1)</script> Bcc:');
    expect(email.text).not.toMatch(/^Bcc:/m);
    expect(email.html).not.toContain('<script>');
    expect(email.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; Bcc:');
    expect(`${email.text}${email.html}`).not.toContain('evil');
    expect(hrefs(email.html)).toEqual(['https://app.example.com/']);
  });

  it.each(kinds)('when the kind is %s and the name holds a line break and a link, then the greeting stays on one line without it', (kind) => {
    const plain = compose(kind, { name: 'Eve' });
    const email = compose(kind, { name: 'Eve\nhttp://evil.example' });
    expect(email.text.split('\n')[0]).toBe('Hello Eve,');
    expect(email.text.split('\n')).toHaveLength(plain.text.split('\n').length);
    expect(`${email.text}${email.html}`).not.toContain('evil');
  });

  it('when the user agent is unknown, then the email has no device line', () => {
    const email = compose('password_changed', { userAgent: null });
    expect(email.text).not.toContain('Device:');
    expect(email.html).not.toContain('Device:');
  });
});
