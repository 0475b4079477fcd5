import type { Request, RequestHandler } from 'express';
import type { SessionTokens } from '../domain/auth.ports';
import { csrfProtected } from './guards';
import { cookieNames, type CookiePolicy } from './session-cookies';

/** Every value the Cookie header carries under `name`, in the order the browser sent them. */
export function cookieValues(header: string | undefined, name: string): string[] {
  if (!header) return [];
  const values: string[] = [];
  for (const pair of header.split(';')) {
    const at = pair.indexOf('=');
    if (at > 0 && pair.slice(0, at).trim() === name) {
      const value = pair.slice(at + 1).trim();
      if (value.length > 0) values.push(value);
    }
  }
  return values;
}

/**
 * The refresh token of this request. A sibling subdomain can plant a second cookie of the same
 * name (a longer Path makes the browser send it first), so with several the one that counts is
 * the one we issued whose session the CSRF header is bound to, else the first one we issued;
 * junk in front of the real cookie never decides the answer, nor which cookie gets cleared.
 */
export function chooseRefreshToken(
  candidates: readonly string[],
  csrfHeader: string | undefined,
  tokens: Pick<SessionTokens, 'readRefreshToken' | 'csrfMatches'>,
): string | undefined {
  if (candidates.length <= 1) return candidates[0];
  const ours = candidates.flatMap((value) => {
    const claims = tokens.readRefreshToken(value);
    return claims ? [{ value, sessionId: claims.sessionId }] : [];
  });
  const bound = csrfHeader === undefined ? undefined : ours.find((token) => tokens.csrfMatches(token.sessionId, csrfHeader));
  return (bound ?? ours[0])?.value ?? candidates[0];
}

export interface SessionCookieAccess {
  /** The refresh token of the request, chosen among planted duplicates (see chooseRefreshToken). */
  refreshToken(req: Request): string | undefined;
  /** The session-bound double-submit check for endpoints that act on the refresh cookie. */
  readonly csrf: RequestHandler;
}

/** How the cookie endpoints (refresh, logout, logout-all) read the session cookies. */
export function sessionCookieAccess(cookies: CookiePolicy, tokens: Pick<SessionTokens, 'readRefreshToken' | 'csrfMatches'>): SessionCookieAccess {
  const names = cookieNames(cookies.secure);
  // The CSRF guard and the handler both ask; the Cookie header is read once per request.
  const chosen = new WeakMap<Request, { readonly value: string | undefined }>();
  const refreshToken = (req: Request): string | undefined => {
    const known = chosen.get(req);
    if (known) return known.value;
    const csrfHeader = req.headers['x-csrf-token'];
    const value = chooseRefreshToken(cookieValues(req.headers.cookie, names.refresh), typeof csrfHeader === 'string' ? csrfHeader : undefined, tokens);
    chosen.set(req, { value });
    return value;
  };
  const csrf = csrfProtected({ cookieName: names.csrf, tokens, sessionOf: (req) => tokens.readRefreshToken(refreshToken(req))?.sessionId });
  return { refreshToken, csrf };
}
