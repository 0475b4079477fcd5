import type { IncomingMessage } from 'node:http';
import type { AccessTokenClaims, AccessTokenVerifier } from '@gatehouse/jwt';
import { accessControl, type AccessControlOptions } from './access-control';

const verifier: AccessTokenVerifier = {
  verify: () => Promise.reject(new Error('not called')),
  ready: () => true,
  refresh: () => Promise.resolve(),
};

const options = (overrides: Partial<AccessControlOptions>): AccessControlOptions => ({
  mode: 'cached',
  verifier,
  isRevoked: () => false,
  protectedPrefixes: ['/api/admin'],
  serviceTokenPrefixes: [],
  roleRules: [],
  ...overrides,
});

describe('access control wiring', () => {
  it('when service tokens are let in below a protected prefix, then it is built', () => {
    expect(() => accessControl(options({ serviceTokenPrefixes: ['/api/admin/users'] }))).not.toThrow();
  });

  it.each(['/api/user', '/api/adminx'])('when service tokens are let in below %s, which nothing protects, then wiring fails at startup', (prefix) => {
    expect(() => accessControl(options({ serviceTokenPrefixes: [prefix] }))).toThrow(/outside every protected prefix/);
  });
});

describe('access control decisions', () => {
  const claims = { kind: 'user', sub: 'u-1', sid: 's-1', roles: ['user'], amr: ['pwd'] } as unknown as AccessTokenClaims;
  const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } }) as IncomingMessage;
  const cachedOnly: AccessTokenVerifier = {
    verify: (token) => (token === 'known' ? Promise.resolve(claims) : Promise.reject(new Error('unknown token'))),
    verifyCached: (token) => (token === 'known' ? claims : undefined),
    ready: () => true,
    refresh: () => Promise.resolve(),
  };

  it('when the token is in the verification cache, then the request may go on in the same turn', () => {
    const guard = accessControl(options({ verifier: cachedOnly }));
    expect(guard.authorize(bearer('known'), '/api/admin/x')).toBeUndefined();
  });

  it('when the cached token lacks the role a rule asks for, then the refusal is the answer', async () => {
    const guard = accessControl(options({ verifier: cachedOnly, roleRules: [{ prefix: '/api/admin', role: 'admin' }] }));
    await expect(guard.authorize(bearer('known'), '/api/admin/x')).rejects.toMatchObject({ code: 'forbidden' });
  });

  it('when the cached token was revoked, then it is refused', async () => {
    const guard = accessControl(options({ verifier: cachedOnly, isRevoked: () => true }));
    await expect(guard.authorize(bearer('known'), '/api/admin/x')).rejects.toMatchObject({ code: 'token_invalid' });
  });

  it('when the token is not cached, then the decision waits for its verification and later checks still run', async () => {
    const uncached: AccessTokenVerifier = { ...cachedOnly, verifyCached: () => undefined };
    const guard = accessControl(options({ verifier: uncached, roleRules: [{ prefix: '/api/admin', role: 'admin' }] }));
    const decision = guard.authorize(bearer('known'), '/api/admin/x');
    expect(decision).toBeInstanceOf(Promise);
    await expect(decision).rejects.toMatchObject({ code: 'forbidden' });
    await expect(accessControl(options({ verifier: uncached })).authorize(bearer('known'), '/api/admin/x')).resolves.toBeUndefined();
  });
});
