import { Client, email, eventually, PASSWORD, settle, startAuth, type AuthHarness } from './auth-harness';

let harness: AuthHarness;
beforeAll(async () => {
  harness = await startAuth('resend_limits', { TRUST_PROXY_HOPS: '1', RESEND_VERIFICATION_LIMIT: '2' });
});
afterAll(() => harness.close());

const from = (ip: string) => new Client(harness.url, { 'x-forwarded-for': ip });

describe('resend limits', () => {
  it('when one email is resent past its limit from many addresses, then every answer is 202 but the excess sends nothing', async () => {
    const address = email();
    const registered = await from('198.51.100.1').post('/api/auth/register', { email: address, password: PASSWORD });
    const { id } = (await registered.json()) as { id: string };
    const forUser = () => harness.events.named('user.registered').filter((e) => e.payload.userId === id);
    expect(await eventually(() => forUser().length === 1)).toBe(true);

    const statuses = [];
    for (let i = 0; i < 4; i += 1) statuses.push((await from(`198.51.100.${10 + i}`).post('/api/auth/verify-email/resend', { email: address })).status);

    expect(statuses).toEqual([202, 202, 202, 202]);
    expect(await eventually(() => forUser().length === 3)).toBe(true);
    await settle();
    expect(forUser()).toHaveLength(3);
  });

  it('when one address resends past its limit, then 429', async () => {
    const client = from('198.51.100.77');
    expect((await client.post('/api/auth/verify-email/resend', { email: email() })).status).toBe(202);
    expect((await client.post('/api/auth/verify-email/resend', { email: email() })).status).toBe(202);
    const refused = await client.post('/api/auth/verify-email/resend', { email: email() });
    expect(refused.status).toBe(429);
    expect(await refused.json()).toMatchObject({ code: 'rate_limited' });
  });
});
