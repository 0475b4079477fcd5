import { cutToBytes, deviceLabel, MAX_LABEL_BYTES } from './device-label';
import { fieldIdOf, sessionIdOf } from './session.layout';

describe('deviceLabel (what a session keeps of its User-Agent)', () => {
  it.each([
    ['Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36', 'Chrome 131 on Linux'],
    [
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.86',
      'Edge 131 on Windows',
    ],
    ['Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Safari/605.1.15', 'Safari 17 on macOS'],
    [
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1',
      'Safari 17 on iOS',
    ],
    ['Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.135 Mobile Safari/537.36', 'Chrome 131 on Android'],
    ['Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0', 'Firefox 133 on Linux'],
  ])('when a browser says %s, then the label is %s', (userAgent, label) => {
    expect(deviceLabel(userAgent)).toBe(label);
  });

  it('when the User-Agent is short, then it is kept as it is; when absent, null', () => {
    expect(deviceLabel('Laptop/2.0')).toBe('Laptop/2.0');
    expect(deviceLabel(null)).toBeNull();
  });

  it('when a long User-Agent names no known browser or platform, then it is cut on a character boundary', () => {
    const label = deviceLabel(`SomeCrawler/1.0 ${'é'.repeat(60)}`)!;
    expect(Buffer.byteLength(label)).toBeLessThanOrEqual(MAX_LABEL_BYTES);
    expect(label).toBe(cutToBytes(`SomeCrawler/1.0 ${'é'.repeat(60)}`, MAX_LABEL_BYTES));
    expect(label.endsWith('é')).toBe(true);
  });
});

describe('session field ids', () => {
  it('when a session id is stored, then its field id is 22 characters that give the id back', () => {
    const id = '0f8fad5b-d9cb-469f-a165-70867728950e';
    expect(fieldIdOf(id)).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(sessionIdOf(fieldIdOf(id)!)).toBe(id);
    expect(fieldIdOf('not-a-uuid')).toBeUndefined();
  });
});
