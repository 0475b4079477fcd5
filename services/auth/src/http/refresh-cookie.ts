import type { SessionTokens } from '../domain/auth.ports';

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
