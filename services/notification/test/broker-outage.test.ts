import { startBrokerProxy } from '@gatehouse/testing';
import { eventually, registeredEvent, startNotification, type NotificationHarness } from './notification-harness';

let harness: NotificationHarness;
let proxy: Awaited<ReturnType<typeof startBrokerProxy>>;
beforeAll(async () => {
  proxy = await startBrokerProxy();
  harness = await startNotification('outage', { AMQP_URL: proxy.url });
});
afterAll(async () => {
  await proxy.cut();
  await harness.close();
});

const readiness = async () => {
  const response = await fetch(`${harness.url}/readyz`);
  return { status: response.status, body: (await response.json()) as { checks: Record<string, string> } };
};

describe('when the broker link drops', () => {
  it('then /readyz turns 503 naming the broker, and after the link is back the pending registration is mailed', async () => {
    await proxy.cut();
    expect(await eventually(async () => (await readiness()).status === 503, 3000)).toBe(true);
    expect((await readiness()).body.checks).toEqual({ postgres: 'ok', broker: 'failing' });
    const event = registeredEvent();
    await harness.publisher.publish(event);

    await proxy.heal();

    expect(await eventually(async () => (await readiness()).status === 200, 10_000)).toBe(true);
    expect(await eventually(() => harness.smtp.received.some((m) => m.to.includes(event.payload.email)), 5000)).toBe(true);
    expect(harness.smtp.received.filter((m) => m.to.includes(event.payload.email))).toHaveLength(1);
  });
});
