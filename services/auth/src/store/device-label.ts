/**
 * What a session keeps of the browser that opened it: enough for its owner to recognise it in the
 * sessions list ("Chrome 131 on Linux"), short enough that the session's Redis hash stays a
 * listpack (see session.layout.ts). A short User-Agent (an app's own, a test client's) is kept
 * as it is; a browser's, which runs past 100 bytes, becomes browser, major version and platform.
 */
export const MAX_LABEL_BYTES = 55;

/** First match wins: Edge and Opera also say Chrome, Chrome also says Safari. */
const BROWSERS: ReadonlyArray<readonly [name: string, pattern: RegExp]> = [
  ['Edge', /\bEdg(?:e|A|iOS)?\/(\d+)/],
  ['Opera', /\bOPR\/(\d+)/],
  ['Samsung Internet', /\bSamsungBrowser\/(\d+)/],
  ['Firefox', /\b(?:Firefox|FxiOS)\/(\d+)/],
  ['Chrome', /\b(?:Chrome|CriOS)\/(\d+)/],
  ['Safari', /\bVersion\/(\d+)[\d.]* (?:Mobile\/\S+ )?Safari\//],
];

/** First match wins: Android and ChromeOS also say Linux, iOS also says Mac OS X. */
const PLATFORMS: ReadonlyArray<readonly [name: string, pattern: RegExp]> = [
  ['Android', /\bAndroid\b/],
  ['iOS', /\b(?:iPhone|iPad|iPod)\b/],
  ['ChromeOS', /\bCrOS\b/],
  ['Windows', /\bWindows\b/],
  ['macOS', /\bMac OS X\b|\bMacintosh\b/],
  ['Linux', /\bLinux\b/],
];

export function deviceLabel(userAgent: string | null): string | null {
  if (userAgent === null || userAgent === '') return null;
  if (Buffer.byteLength(userAgent) <= MAX_LABEL_BYTES) return userAgent;
  const browser = BROWSERS.find(([, pattern]) => pattern.test(userAgent));
  const platform = PLATFORMS.find(([, pattern]) => pattern.test(userAgent))?.[0];
  const named = browser ? `${browser[0]} ${browser[1].exec(userAgent)![1]}` : undefined;
  if (named || platform) return cutToBytes([named, platform].filter(Boolean).join(' on '), MAX_LABEL_BYTES);
  return cutToBytes(userAgent, MAX_LABEL_BYTES);
}

/** The longest prefix of `text` within `max` UTF-8 bytes, never half a character. */
export function cutToBytes(text: string, max: number): string {
  let bytes = 0;
  let end = 0;
  for (const char of text) {
    bytes += Buffer.byteLength(char);
    if (bytes > max) break;
    end += char.length;
  }
  return text.slice(0, end);
}
