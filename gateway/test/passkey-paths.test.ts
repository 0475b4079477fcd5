import { signToken } from '../../libs/jwt/test/token-fixtures';
import { startGateway, type Gateway } from './gateway-harness';

describe('gateway: passkey paths', () => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await startGateway();
  });
  afterAll(async () => {
    await gw.close();
  });

  const send = (method: string, path: string, headers: Record<string, string> = {}) => fetch(`${gw.url}${path}`, { method, headers });

  it.each([
    ['GET', '/api/auth/passkeys'],
    ['POST', '/api/auth/passkeys/register/options'],
    ['POST', '/api/auth/passkeys/register/verify'],
    ['DELETE', '/api/auth/passkeys/4b8f1c2e-0000-4000-8000-000000000000'],
    ['POST', '/API/AUTH/PASSKEYS/register/options'],
  ])('when %s %s comes without a token, then the gateway answers 401 and auth sees nothing', async (method, path) => {
    const before = gw.upstreamHits();
    const response = await send(method, path);
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ code: 'token_missing' });
    expect(gw.upstreamHits()).toBe(before);
  });

  it('when a managing request carries a valid token, then it reaches auth', async () => {
    const response = await send('GET', '/api/auth/passkeys', { authorization: `Bearer ${signToken(gw.key)}` });
    expect(response.status).toBe(200);
    expect(gw.auth.seen.at(-1)!.url).toBe('/api/auth/passkeys');
  });

  it.each(['/api/auth/passkeys/login/options', '/api/auth/passkeys/login/verify'])(
    'when %s comes without a token (a sign-in), then it reaches auth',
    async (path) => {
      const response = await send('POST', path);
      expect(response.status).toBe(200);
      expect(gw.auth.seen.at(-1)!.url).toBe(path);
    },
  );
});
