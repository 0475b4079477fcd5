import { signToken, tamper } from '../../libs/jwt/test/token-fixtures';
import { startGateway, type Gateway } from './gateway-harness';

describe('gateway with JWT_VERIFY_MODE=uncached', () => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await startGateway({ JWT_VERIFY_MODE: 'uncached' });
  });
  afterAll(async () => {
    await gw.close();
  });

  it('when the same token is sent twice and then tampered, then both valid calls pass and the forgery is refused', async () => {
    const token = signToken(gw.key);
    const call = (t: string) => fetch(`${gw.url}/api/user/me`, { headers: { authorization: `Bearer ${t}` } });
    expect((await call(token)).status).toBe(200);
    expect((await call(token)).status).toBe(200);
    expect((await call(tamper(token, { roles: ['admin'] }))).status).toBe(401);
  });
});

describe('gateway with JWT_VERIFY_MODE=off (benchmarks, never production)', () => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await startGateway({ JWT_VERIFY_MODE: 'off' });
  });
  afterAll(async () => {
    await gw.close();
  });

  it('when a request carries no token, then the gateway leaves the decision to the user service', async () => {
    const response = await fetch(`${gw.url}/api/admin/users`, { headers: { 'x-user-roles': 'admin' } });
    expect(response.status).toBe(200);
    expect(gw.user.seen.at(-1)!.headers['x-user-roles']).toBeUndefined();
  });
});
