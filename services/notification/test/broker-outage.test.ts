import { managementUrl, startBrokerProxy } from '@gatehouse/testing';
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
  const response = await fetch(`${managementUrl(harness.url)}/readyz`);
  return { status: response.status, body: (await response.json()) as { checks: Record<string, string> } };
};
const reconnects = () => harness.logs.lines().filter((line) => line.msg === 'broker unavailable, reconnecting').length;
const connects = () => harness.logs.lines().filter((line) => line.msg === 'broker connected').length;

describe('when the broker link drops', () => {
  it('then /readyz stays 200 (the broker is no readiness check), and after the link is back the pending registration is mailed', async () => {
    const [reconnectsBefore, connectsBefore] = [reconnects(), connects()];
    await proxy.cut();
    expect(await eventually(() => reconnects() > reconnectsBefore, 3000)).toBe(true);
    expect(await readiness()).toEqual({ status: 200, body: { status: 'ready', checks: { postgres: 'ok' } } });
    const event = registeredEvent();
    await harness.publisher.publish(event);

    await proxy.heal();

    expect(await eventually(() => connects() > connectsBefore, 10_000)).toBe(true);
    expect(await eventually(() => harness.smtp.received.some((m) => m.to.includes(event.payload.email)), 5000)).toBe(true);
    expect(harness.smtp.received.filter((m) => m.to.includes(event.payload.email))).toHaveLength(1);
  });
});
