import { escapeHtml, verificationEmail, verificationLink } from './verification-email';

const token = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJ-_01234';

describe('verification email', () => {
  it('when composed, then both parts carry the verification link of the app', () => {
    const email = verificationEmail({ appUrl: 'https://app.example.com', email: 'a@example.com', name: 'Ada', token, expiresAt: '2026-01-02T00:00:00.000Z', reference: 'e1' });
    const link = `https://app.example.com/api/auth/verify-email?token=${token}`;
    expect(verificationLink('https://app.example.com', token)).toBe(link);
    expect(email.text).toContain(link);
    expect(email.html).toContain(`href="${link}"`);
    expect(email).toMatchObject({ to: 'a@example.com', reference: 'e1' });
  });

  it('when the name holds markup, then the HTML part shows it escaped and the text part as is', () => {
    const name = '<script>alert("x")</script> & Co';
    const email = verificationEmail({ appUrl: 'http://localhost:8080', email: 'a@example.com', name, token, expiresAt: '2026-01-02T00:00:00.000Z', reference: 'e1' });
    expect(email.html).not.toContain('<script>');
    expect(email.html).toContain(escapeHtml(name));
    expect(escapeHtml(name)).toBe('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co');
    expect(email.text).toContain(name);
  });

  it('when there is no name, then the greeting stays generic', () => {
    const email = verificationEmail({ appUrl: 'http://localhost:8080', email: 'a@example.com', name: null, token, expiresAt: '2026-01-02T00:00:00.000Z', reference: 'e1' });
    expect(email.text.startsWith('Hello,\n')).toBe(true);
  });
});
