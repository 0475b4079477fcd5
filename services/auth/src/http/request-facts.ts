import type { Request } from 'express';

/** Longest user agent we keep: enough to recognise a browser, not a place to store a payload. */
const MAX_USER_AGENT = 256;

/**
 * The request's user agent as we store and show it (sessions list, security emails): control
 * characters removed, cut to a bounded length, or null when absent. Attacker-controlled text:
 * whoever renders it escapes it.
 */
export function userAgentOf(req: Request): string | null {
  const raw = req.headers['user-agent'];
  if (typeof raw !== 'string') return null;
  const clean = raw
    // eslint-disable-next-line no-control-regex -- control characters are exactly what is removed
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' ')
    .trim()
    .slice(0, MAX_USER_AGENT);
  return clean.length > 0 ? clean : null;
}

/** The id pino-http gave the request (kept from a safe `X-Request-Id`), for logs and problems. */
export function requestIdOf(req: Request): string | undefined {
  const id = (req as { id?: unknown }).id;
  return typeof id === 'string' ? id : undefined;
}
