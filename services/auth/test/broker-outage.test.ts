import { managementUrl, startBrokerProxy } from '@gatehouse/testing';
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
  const response = await fetch(`${managementUrl(harness.url)}/readyz`);
  return { status: response.status, body: (await response.json()) as { checks: Record<string, string> } };
};
const reconnects = () => harness.logs.lines().filter((line) => line.msg === 'broker unavailable, reconnecting').length;

describe('when the broker link drops', () => {
  it('then /readyz stays 200 (the broker is no readiness check), registration still answers 201, and the event is published once the link is back', async () => {
    const reconnectsBefore = reconnects();
    await proxy.cut();
    expect(await eventually(() => reconnects() > reconnectsBefore, 3000)).toBe(true);
    expect(await readiness()).toEqual({ status: 200, body: { status: 'ready', checks: { postgres: 'ok', redis: 'ok' } } });

    const response = await new Client(harness.url).post('/api/auth/register', { email: email(), password: PASSWORD });
    expect(response.status).toBe(201);
    const { id } = (await response.json()) as { id: string };
    const published = () => harness.events.named('user.registered').filter((e) => e.payload.userId === id);
    expect(published()).toHaveLength(0);

    await proxy.heal();

    expect(await eventually(() => published().length === 1, 10_000)).toBe(true);
  });
});
