import { claimsFromPayload, TokenRejection, type AccessTokenClaims } from '../src';
import { AUDIENCE, ISSUER, claimsFor, newClientId, serviceClaims } from './token-fixtures';

const rules = () => ({
  issuer: ISSUER,
  audience: AUDIENCE,
  clockToleranceSeconds: 30,
  nowSeconds: Date.now() / 1000,
});

/** The payload as it arrives after the signature check: JSON, so `undefined` claims are absent. */
function verify(overrides: Record<string, unknown>): AccessTokenClaims {
  return claimsFromPayload(JSON.parse(JSON.stringify(claimsFor(overrides))), rules());
}

function rejectionOf(overrides: Record<string, unknown>): string {
  try {
    verify(overrides);
  } catch (error) {
    if (error instanceof TokenRejection) return error.reason;
    throw error;
  }
  throw new Error('the payload was accepted');
}

describe('access token claims of a service (client credentials)', () => {
  it('when the token carries client_id equal to sub, then it is a service token with its scopes and roles', () => {
    const clientId = newClientId();

    const claims = verify(
      serviceClaims({
        sub: clientId,
        client_id: clientId,
        scope: 'users:read users:write',
        roles: ['admin'],
      }),
    );

    expect(claims).toMatchObject({
      kind: 'service',
      sub: clientId,
      clientId,
      scopes: ['users:read', 'users:write'],
      roles: ['admin'],
    });
    expect(claims).not.toHaveProperty('sid');
    expect(claims).not.toHaveProperty('email');
  });

  it.each([
    ['empty', { scope: '' }],
    ['absent', { scope: undefined }],
  ])('when the scope is %s, then the service token has no scopes', (_name, scope) => {
    expect(verify(serviceClaims(scope))).toMatchObject({
      kind: 'service',
      scopes: [],
    });
  });

  it.each([
    ['another client', { client_id: newClientId() }],
    ['empty', { client_id: '' }],
    ['null', { client_id: null }],
  ])('when client_id is %s rather than sub, then the token is rejected', (_name, clientId) => {
    expect(rejectionOf(serviceClaims(clientId))).toBe('client_id differs from sub');
  });

  it.each([
    ['a session id', { sid: 'session-1' }],
    ['an email', { email: 'ada@example.com' }],
    ['a null email', { email: null }],
  ])('when a token with client_id also carries %s, then it is rejected rather than taken for either kind', (_name, userClaim) => {
    expect(rejectionOf(serviceClaims(userClaim))).toBe('service token with user claims');
  });

  it('when a user token is given a client_id, then it does not pass for a service (nor for a user)', () => {
    const userId = 'user-1';
    expect(rejectionOf({ sub: userId, client_id: userId })).toBe('service token with user claims');
  });

  it.each([
    ['is a number', 42],
    ['is a list', ['users:read']],
    ['has doubled spaces', 'users:read  users:write'],
    ['has a leading space', ' users:read'],
    ['has a trailing space', 'users:read '],
    ['has a tab', 'users:read\tusers:write'],
    ['has a double quote', 'users:"read'],
    ['has a backslash', 'users:\\read'],
    ['has a non-ASCII character', 'users:rëad'],
    ['lists 65 scopes', Array.from({ length: 65 }, (_, i) => `s${i}`).join(' ')],
  ])('when the scope %s, then the token is rejected', (_name, scope) => {
    expect(rejectionOf(serviceClaims({ scope }))).toBe('scope malformed');
  });

  it('when a service token has no roles claim, then it is rejected like a user token would be', () => {
    expect(rejectionOf(serviceClaims({ roles: undefined }))).toBe('roles malformed');
  });
});

describe('access token claims of a user', () => {
  it('when the token carries no client_id, then it is a user token and any scope claim is ignored', () => {
    const claims = verify({
      sub: 'user-2',
      sid: 'session-2',
      scope: 'users:write',
    });
    expect(claims).toMatchObject({
      kind: 'user',
      sub: 'user-2',
      sid: 'session-2',
      email: 'ada@example.com',
    });
    expect(claims).not.toHaveProperty('scopes');
    expect(claims).not.toHaveProperty('clientId');
  });

  it('when a user token lacks its session id, then it is rejected (no fallback to a service token)', () => {
    expect(rejectionOf({ sid: undefined })).toBe('sid missing');
  });
});

describe('verified claims', () => {
  it.each([
    ['a user', {}],
    ['a service', serviceClaims({ scope: 'users:read' })],
  ])('when a handler tries to change the claims of %s, then they stay as verified (they are shared through the cache)', (_name, overrides) => {
    const claims = verify(overrides);
    expect(() => claims.roles.push('admin')).toThrow(TypeError);
    expect(() => Object.assign(claims, { sub: 'someone-else' })).toThrow(TypeError);
    if (claims.kind === 'service') expect(() => claims.scopes.push('users:write')).toThrow(TypeError);
    expect(claims.roles).not.toContain('admin');
  });
});
