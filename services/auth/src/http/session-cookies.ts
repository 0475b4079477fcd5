import type { CookieOptions, Response } from 'express';
import type { LoginResult } from '../domain/finish-login';
import type { IssuedSession } from '../domain/session';

export interface CookiePolicy {
  readonly secure: boolean;
}

/**
 * `__Secure-` and `__Host-` prefixes make browsers refuse cookies set over plain HTTP or by a
 * sibling subdomain; plain-HTTP development drops them together with `Secure`.
 */
export function cookieNames(secure: boolean) {
  return secure ? { refresh: '__Secure-refresh_token', csrf: '__Host-csrf_token' } : { refresh: 'refresh_token', csrf: 'csrf_token' };
}

const REFRESH_COOKIE_PATH = '/api/auth';
/** `__Host-` requires Path=/. */
const CSRF_COOKIE_PATH = '/';

function refreshCookie(policy: CookiePolicy, maxAgeMs: number): CookieOptions {
  return { httpOnly: true, secure: policy.secure, sameSite: 'strict', path: REFRESH_COOKIE_PATH, maxAge: maxAgeMs };
}

function csrfCookie(policy: CookiePolicy, maxAgeMs: number): CookieOptions {
  // Readable by the page (it echoes the value in X-CSRF-Token).
  return { httpOnly: false, secure: policy.secure, sameSite: 'strict', path: CSRF_COOKIE_PATH, maxAge: maxAgeMs };
}

/**
 * Writes the token response: refresh token in an HttpOnly cookie, never in the body. Both cookies
 * live exactly as long as the refresh token can be used, never past the session's end.
 */
export function sendSession(res: Response, policy: CookiePolicy, session: IssuedSession): void {
  const names = cookieNames(policy.secure);
  // Every refresh answers here: the cookies are written as res.cookie would write them (same
  // attributes, same order) from fixed suffixes, and the body is ended without res.json's detour.
  // Both token values are base64url, which cookie encoding leaves as they are.
  const expires = new Date(Date.now() + session.refreshExpiresIn * 1000).toUTCString();
  const attributes = (path: string, httpOnly: boolean) =>
    `; Max-Age=${session.refreshExpiresIn}; Path=${path}; Expires=${expires}${httpOnly ? '; HttpOnly' : ''}${policy.secure ? '; Secure' : ''}; SameSite=Strict`;
  res.append('Set-Cookie', [
    `${names.refresh}=${session.refreshToken}${attributes(REFRESH_COOKIE_PATH, true)}`,
    `${names.csrf}=${session.csrfToken}${attributes(CSRF_COOKIE_PATH, false)}`,
  ]);
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Pragma', 'no-cache');
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  const { claims } = session;
  res.statusCode = 200;
  res.end(
    JSON.stringify({
      accessToken: session.accessToken,
      tokenType: 'Bearer',
      expiresIn: session.expiresIn,
      csrfToken: session.csrfToken,
      user: { id: claims.userId, email: claims.email, name: claims.name, roles: claims.roles, emailVerified: claims.emailVerified },
    }),
  );
}

/**
 * Writes the answer to a password step: the session, or for an account with a second factor
 * `{mfaRequired, mfaToken, methods, expiresIn}` with no token and no cookie.
 */
export function sendLoginResult(res: Response, policy: CookiePolicy, result: LoginResult): void {
  if (result.outcome === 'signed_in') return sendSession(res, policy, result.session);
  const { mfaToken, methods, expiresIn } = result.challenge;
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Pragma', 'no-cache');
  res.status(200).json({ mfaRequired: true, mfaToken, methods, expiresIn });
}

export function clearSessionCookies(res: Response, policy: CookiePolicy): void {
  const names = cookieNames(policy.secure);
  res.cookie(names.refresh, '', refreshCookie(policy, 0));
  res.cookie(names.csrf, '', csrfCookie(policy, 0));
  res.setHeader('Cache-Control', 'no-store');
}
