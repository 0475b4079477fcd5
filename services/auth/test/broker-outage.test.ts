import { startBrokerProxy } from '@gatehouse/testing';
import { Client, email, eventually, PASSWORD, startAuth, type AuthHarness } from './auth-harness';

let harness: AuthHarness;
let proxy: Awaited<ReturnType<typeof startBrokerProxy>>;
beforeAll(async () => {
  proxy = await startBrokerProxy();
  harness = await startAuth('outage', { AMQP_URL: proxy.url });
});
afterAll(async () => {
  await proxy.cut();
  await harness.close();
  await proxy.close();
});

const readiness = async () => {
  const response = await fetch(`${harness.url}/readyz`);
  return { status: response.status, body: (await response.json()) as { checks: Record<string, string> } };
};

describe('when the broker link drops', () => {
  it('then registration still answers 201, /readyz names the broker, and the event is published once the link is back', async () => {
    await proxy.cut();
    expect(await eventually(async () => (await readiness()).status === 503, 3000)).toBe(true);
    expect((await readiness()).body.checks).toEqual({ postgres: 'ok', redis: 'ok', broker: 'failing' });

    const response = await new Client(harness.url).post('/api/auth/register', { email: email(), password: PASSWORD });
    expect(response.status).toBe(201);
    const { id } = (await response.json()) as { id: string };
    const published = () => harness.events.named('user.registered').filter((e) => e.payload.userId === id);
    expect(published()).toHaveLength(0);

    await proxy.heal();

    expect(await eventually(async () => (await readiness()).status === 200, 10_000)).toBe(true);
    expect(await eventually(() => published().length === 1, 5000)).toBe(true);
  });
});
