import { escapeHtml } from '@gatehouse/html';
import { displayName } from './email-text';
import { verificationEmail, verificationLink } from './verification-email';

const token = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJ-_01234';

const compose = (name: string | null) =>
  verificationEmail({ appUrl: 'https://app.example.com', email: 'a@example.com', name, token, expiresAt: '2026-01-02T00:00:00.000Z', reference: 'e1' });

describe('verification email', () => {
  it('when composed, then both parts carry the verification link of the app', () => {
    const email = verificationEmail({
      appUrl: 'https://app.example.com',
      email: 'a@example.com',
      name: 'Ada',
      token,
      expiresAt: '2026-01-02T00:00:00.000Z',
      reference: 'e1',
    });
    const link = `https://app.example.com/api/auth/verify-email?token=${token}`;
    expect(verificationLink('https://app.example.com', token)).toBe(link);
    expect(email.text).toContain(link);
    expect(email.html).toContain(`href="${link}"`);
    expect(email).toMatchObject({ to: 'a@example.com', reference: 'e1' });
  });

  it('when the name holds markup, then the HTML part shows it escaped and the text part as is', () => {
    const name = '<script>alert("x")</script> & Co';
    const email = verificationEmail({
      appUrl: 'http://localhost:8080',
      email: 'a@example.com',
      name,
      token,
      expiresAt: '2026-01-02T00:00:00.000Z',
      reference: 'e1',
    });
    expect(email.html).not.toContain('<script>');
    expect(email.html).toContain(escapeHtml(name));
    expect(escapeHtml(name)).toBe('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co');
    expect(email.text).toContain(name);
  });

  it('when there is no name, then the greeting stays generic', () => {
    const email = verificationEmail({
      appUrl: 'http://localhost:8080',
      email: 'a@example.com',
      name: null,
      token,
      expiresAt: '2026-01-02T00:00:00.000Z',
      reference: 'e1',
    });
    expect(email.text.startsWith('Hello,\n')).toBe(true);
  });

  it('when the name holds line breaks, then both parts greet on one line and no line is added', () => {
    const plain = compose('Ada');
    const email = compose('Ada\r\nBcc: x\u2028Y\u0085Z');
    expect(email.text.split('\n')[0]).toBe('Hello Ada Bcc: x Y Z,');
    expect(email.text.split('\n')).toHaveLength(plain.text.split('\n').length);
    expect(email.html.split('\n')[0]).toBe('<p>Hello Ada Bcc: x Y Z,</p>');
  });

  it.each([
    ['a scheme', 'Ada http://evil.example/login'],
    ['a www host', 'Ada www.evil.example'],
    ['a bare domain with a path', 'Ada evil.example/reset?user=1'],
    ['an email address', 'Ada support@evil.example'],
    ['full-width look-alikes', 'Ada ｗｗｗ．evil．example'],
    ['a zero-width space inside the domain', 'Ada evil\u200b.example'],
    ['an IPv4 address', 'Ada 203.0.113.7/evil'],
    ['a link across a line break', 'Ada\nhttps://evil.example'],
  ])('when the name holds %s, then that word is dropped from both parts', (_what, name) => {
    const email = compose(name);
    expect(email.text.split('\n')[0]).toBe('Hello Ada,');
    expect(email.text).not.toContain('evil');
    expect(email.html).not.toContain('evil');
  });

  it('when the whole name is URL-like, then the greeting stays generic', () => {
    expect(compose('https://evil.example').text.startsWith('Hello,\n')).toBe(true);
    expect(displayName(' \n www.evil.example ')).toBeNull();
  });

  it('when the name is ordinary, then it is kept as written', () => {
    expect(displayName("Zoë O'Brien-Smith 李")).toBe("Zoë O'Brien-Smith 李");
    expect(displayName('J.R.R. Tolkien')).toBe('J.R.R. Tolkien');
  });
});
