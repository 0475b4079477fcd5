import { createSessionTokens } from './session-tokens';

const SECRET = 'a session secret of at least thirty-two characters';
const claims = { userId: '6f1c1c3e-0d0b-4a53-9d43-3d4f6d0e8b11', sessionId: '0b9e5c1a-7d3f-4e2b-8a6c-1f2d3e4a5b6c', generation: 7 };

/** The same token with one character of its tag changed. */
function forged(token: string): string {
  const last = token.at(-2) === 'A' ? 'B' : 'A';
  return `${token.slice(0, -2)}${last}${token.at(-1)}`;
}

describe('session tokens', () => {
  it('when a refresh token is read back, then it names the same user, session and generation', () => {
    const tokens = createSessionTokens(SECRET);
    expect(tokens.readRefreshToken(tokens.refreshToken(claims))).toEqual(claims);
  });

  it('when the same token is read twice in a row, then both reads agree', () => {
    const tokens = createSessionTokens(SECRET);
    const token = tokens.refreshToken(claims);
    expect(tokens.readRefreshToken(token)).toEqual(claims);
    expect(tokens.readRefreshToken(token)).toEqual(claims);
  });

  it('when a forged token follows a genuine one, or the other way round, then only the genuine one opens', () => {
    const tokens = createSessionTokens(SECRET);
    const genuine = tokens.refreshToken(claims);
    const forgery = forged(genuine);

    expect(tokens.readRefreshToken(genuine)).toEqual(claims);
    expect(tokens.readRefreshToken(forgery)).toBeUndefined();
    expect(tokens.readRefreshToken(forgery)).toBeUndefined();
    expect(tokens.readRefreshToken(genuine)).toEqual(claims);
  });

  it('when the token was made under another secret, then it is refused', () => {
    const token = createSessionTokens(`${SECRET} but another`).refreshToken(claims);
    expect(createSessionTokens(SECRET).readRefreshToken(token)).toBeUndefined();
  });

  it('when a CSRF token is checked, then it matches only the session it was made for', () => {
    const tokens = createSessionTokens(SECRET);
    const csrf = tokens.csrfToken(claims.sessionId);
    expect(tokens.csrfMatches(claims.sessionId, csrf)).toBe(true);
    expect(tokens.csrfMatches('4c1d2e3f-5a6b-4c7d-8e9f-0a1b2c3d4e5f', csrf)).toBe(false);
  });
});
