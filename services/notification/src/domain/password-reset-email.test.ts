import { passwordResetEmail, passwordResetLink } from './password-reset-email';

const token = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJ-_01234';

const compose = (name: string | null) =>
  passwordResetEmail({ appUrl: 'https://app.example.com', email: 'a@example.com', name, token, expiresAt: '2026-01-02T00:00:00.000Z', reference: 'e1' });

describe('password reset email', () => {
  it('when composed, then both parts carry the reset link of the app', () => {
    const email = compose('Ada');
    const link = `https://app.example.com/api/auth/password/reset?token=${token}`;
    expect(passwordResetLink('https://app.example.com', token)).toBe(link);
    expect(email.text.split('\n')).toContain(link);
    expect(email.html).toContain(`href="${link}"`);
    expect(email).toMatchObject({ to: 'a@example.com', subject: 'Reset your password', reference: 'e1' });
  });

  it('when composed, then it says when the link expires, that it works once, and that ignoring it changes nothing', () => {
    const email = compose('Ada');
    for (const part of [email.text, email.html]) {
      expect(part).toContain('The link works once and expires on Fri, 02 Jan 2026 00:00:00 GMT.');
      expect(part).toContain('If you did not ask for this, ignore this email: your password is unchanged.');
    }
  });

  it('when the name holds a line break and a link, then the greeting stays on one line and the link is dropped', () => {
    const plain = compose('Eve');
    const email = compose('Eve\nhttp://evil.example');
    expect(email.text.split('\n')[0]).toBe('Hello Eve,');
    expect(email.text.split('\n')).toHaveLength(plain.text.split('\n').length);
    expect(email.text).not.toContain('evil');
    expect(email.html).not.toContain('evil');
  });

  it('when the name holds markup, then the HTML part shows it escaped', () => {
    const email = compose('<b>Ada</b> & Co');
    expect(email.html).toContain('<p>Hello &lt;b&gt;Ada&lt;/b&gt; &amp; Co,</p>');
  });
});
