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
  return secure
    ? { refresh: '__Secure-refresh_token', csrf: '__Host-csrf_token' }
    : { refresh: 'refresh_token', csrf: 'csrf_token' };
}

function refreshCookie(policy: CookiePolicy, maxAgeMs: number): CookieOptions {
  return { httpOnly: true, secure: policy.secure, sameSite: 'strict', path: '/api/auth', maxAge: maxAgeMs };
}

function csrfCookie(policy: CookiePolicy, maxAgeMs: number): CookieOptions {
  // Readable by the page (it echoes the value in X-CSRF-Token); `__Host-` requires Path=/.
  return { httpOnly: false, secure: policy.secure, sameSite: 'strict', path: '/', maxAge: maxAgeMs };
}

/**
 * Writes the token response: refresh token in an HttpOnly cookie, never in the body. Both cookies
 * live exactly as long as the refresh token can be used, never past the session's end.
 */
export function sendSession(res: Response, policy: CookiePolicy, session: IssuedSession): void {
  const names = cookieNames(policy.secure);
  const maxAge = session.refreshExpiresIn * 1000;
  res.cookie(names.refresh, session.refreshToken, refreshCookie(policy, maxAge));
  res.cookie(names.csrf, session.csrfToken, csrfCookie(policy, maxAge));
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Pragma', 'no-cache');
  const { claims } = session;
  res.status(200).json({
    accessToken: session.accessToken,
    tokenType: 'Bearer',
    expiresIn: session.expiresIn,
    csrfToken: session.csrfToken,
    user: { id: claims.userId, email: claims.email, name: claims.name, roles: claims.roles, emailVerified: claims.emailVerified },
  });
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
