import { signToken } from '../../libs/jwt/test/token-fixtures';
import { loadGatewayConfig } from '../src/config';
import { accessControl } from '../src/auth/access-control';
import { startGateway, type Gateway } from './gateway-harness';

const ADMIN = ['user', 'admin'];

describe('gateway rule: a second factor for configured paths', () => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await startGateway({ MFA_REQUIRED_PREFIXES: '/api/admin' });
  });
  afterAll(async () => {
    await gw.close();
  });

  const get = (path: string, claims: Record<string, unknown>) =>
    fetch(`${gw.url}${path}`, { headers: { authorization: `Bearer ${signToken(gw.key, { claims })}` } });

  it.each([
    ['a password only', ['pwd']],
    ['a token from before amr existed', undefined],
  ])('when an admin signed in with %s calls an admin path, then 403 mfa_required and the upstream receives nothing', async (_name, amr) => {
    const before = gw.upstreamHits();
    const response = await get('/api/admin/users', { roles: ADMIN, amr });
    expect(response.status).toBe(403);
    expect(response.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(await response.json()).toMatchObject({ code: 'mfa_required' });
    expect(gw.upstreamHits()).toBe(before);
  });

  it.each([['otp'], ['hwk'], ['swk']])('when an admin signed in with a password and %s, then the admin path is reached', async (method) => {
    expect((await get('/api/admin/users', { roles: ADMIN, amr: ['pwd', method] })).status).toBe(200);
    expect(gw.user.seen.at(-1)!.url).toBe('/api/admin/users');
  });

  it.each(['/API/ADMIN/users', '/api/%61dmin/users'])('when the prefix is disguised as %s, then the second factor is still required', async (path) => {
    expect((await get(path, { roles: ADMIN, amr: ['pwd'] })).status).toBe(403);
  });

  it('when a user without the role calls the admin path, then the role is refused first (403 forbidden), and other paths need no second factor', async () => {
    const refused = await get('/api/admin/users', { roles: ['user'], amr: ['pwd', 'otp'] });
    expect(await refused.json()).toMatchObject({ code: 'forbidden' });
    expect((await get('/api/user/profile', { roles: ['user'], amr: ['pwd'] })).status).toBe(200);
  });
});

describe('MFA_REQUIRED_PREFIXES', () => {
  it('when unset, then no path needs a second factor; when set, prefixes are read in lower case without a trailing slash', () => {
    expect(loadGatewayConfig({}).MFA_REQUIRED_PREFIXES).toEqual([]);
    expect(loadGatewayConfig({ MFA_REQUIRED_PREFIXES: ' /API/Admin/ , /api/user/billing' }).MFA_REQUIRED_PREFIXES).toEqual(['/api/admin', '/api/user/billing']);
  });

  it.each(['api/admin', '/', '/api/admin?x=1', '/api/../admin'])('when a prefix is %s, then the gateway does not start', (prefix) => {
    expect(() => loadGatewayConfig({ MFA_REQUIRED_PREFIXES: prefix })).toThrow(/MFA_REQUIRED_PREFIXES|path prefix/);
  });

  it('when a prefix lies below no path the gateway authenticates, then building the rules fails instead of never applying it', () => {
    const build = (mfaRequiredPrefixes: string[]) => () =>
      accessControl({
        mode: 'cached',
        verifier: { verify: () => Promise.reject(new Error('unused')), ready: () => true, refresh: () => Promise.resolve() },
        isRevoked: () => false,
        protectedPrefixes: ['/api/user', '/api/admin'],
        roleRules: [],
        serviceTokenPrefixes: [],
        mfaRequiredPrefixes,
      });
    expect(build(['/api/admin/users'])).not.toThrow();
    expect(build(['/api/auth/login'])).toThrow(/lie below no path/);
  });
});
