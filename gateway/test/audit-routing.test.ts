import { serviceClaims, signToken } from '../../libs/jwt/test/token-fixtures';
import { startGateway, type Gateway } from './gateway-harness';

describe('gateway routing of the audit log', () => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await startGateway();
  });
  afterAll(() => gw.close());

  const call = (path: string, token: string) => fetch(`${gw.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  const adminToken = () => signToken(gw.key, { claims: { roles: ['user', 'admin'] } });

  it('when an admin reads /api/admin/audit, then it is proxied to the auth service with its query, not to the user service', async () => {
    const userHitsBefore = gw.user.seen.length;
    const response = await call('/api/admin/audit?action=login&limit=5', adminToken());
    expect(response.status).toBe(200);
    expect(gw.auth.seen.at(-1)).toMatchObject({ method: 'GET', url: '/api/admin/audit?action=login&limit=5' });
    expect(gw.user.seen.length).toBe(userHitsBefore);
  });

  it('when a path only starts with the audit prefix (/api/admin/auditX), then it goes to the user service', async () => {
    const authHitsBefore = gw.auth.seen.length;
    expect((await call('/api/admin/auditX', adminToken())).status).toBe(200);
    expect(gw.user.seen.at(-1)!.url).toBe('/api/admin/auditX');
    expect(gw.auth.seen.length).toBe(authHitsBefore);
  });

  it('when a service token with the admin role reads the audit log, then 403 at the edge and no upstream is called', async () => {
    const before = gw.upstreamHits();
    const response = await call('/api/admin/audit', signToken(gw.key, { claims: serviceClaims({ roles: ['admin'], scope: 'users:read' }) }));
    expect(response.status).toBe(403);
    expect(gw.upstreamHits()).toBe(before);
  });
});
