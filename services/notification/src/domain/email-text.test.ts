import { displayName, userAgentText } from './email-text';

const firefox = 'Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0';
const chrome = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';

describe('user agent text', () => {
  it('when the user agent is an ordinary browser, then it is kept as sent', () => {
    expect(userAgentText(firefox)).toBe(firefox);
    expect(userAgentText(chrome)).toBe(chrome);
  });

  it('when the user agent is unknown or blank, then there is none to show', () => {
    expect(userAgentText(null)).toBeNull();
    expect(userAgentText(' \r\n\t ')).toBeNull();
  });

  it('when the user agent holds line breaks and control characters, then it stays on one line', () => {
    expect(userAgentText('curl/8.5\r\nBcc: x\u0000\u0085y\u2028z\u2029end')).toBe('curl/8.5 Bcc: x y z end');
  });

  it('when the user agent holds bidi overrides or zero-width characters, then they are removed', () => {
    expect(userAgentText('Safe\u202eevil\u200bName')).toBe('Safe evil Name');
  });

  it.each([
    ['a scheme', 'Bot/1.0 (+https://evil.example/login)'],
    ['a bare domain', 'Bot/1.0 evil.example/reset'],
    ['an email address', 'Bot/1.0 support@evil.example'],
    ['an IPv4 address', 'Bot/1.0 203.0.113.7/evil'],
    ['full-width look-alikes', 'Bot/1.0 ｗｗｗ．evil．example'],
  ])('when the user agent holds %s, then that word is dropped', (_what, userAgent) => {
    expect(userAgentText(userAgent)).toBe('Bot/1.0');
  });

  it('when the user agent is long, then it is cut to 120 characters', () => {
    const shown = userAgentText(`Mozilla/5.0 ${'padding '.repeat(40)}`)!;
    expect(shown.length).toBeLessThanOrEqual(120);
    expect(shown.endsWith('...')).toBe(true);
    expect(shown.startsWith('Mozilla/5.0 padding')).toBe(true);
  });

  it('when the cut would leave a domain behind, then that word is dropped too', () => {
    const userAgent = `${'a'.repeat(108)} evil.examplepadding`;
    expect(userAgentText(userAgent)).toBe('a'.repeat(108));
  });
});

describe('URL-like words in names and user agents', () => {
  it('when a word hides a domain behind punycode or combining marks, then it is dropped', () => {
    expect(displayName('Eve evil.xn--p1ai')).toBe('Eve');
    expect(displayName('Eve evil\u0338.com')).toBe('Eve');
    expect(userAgentText('Agent/1.0 visit evil.xn--p1ai')).toBe('Agent/1.0 visit');
  });

  it('when a name has accents or marks but no domain, then it is kept', () => {
    expect(displayName('José Ñúñez')).toBe('José Ñúñez');
    expect(displayName('नमस्ते दुनिया')).toBe('नमस्ते दुनिया');
  });
});
