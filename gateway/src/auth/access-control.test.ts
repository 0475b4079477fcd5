import type { AccessTokenVerifier } from '@gatehouse/jwt';
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
