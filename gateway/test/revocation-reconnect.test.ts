import { randomUUID } from 'node:crypto';
import { createEvent } from '@gatehouse/events';
import { managementUrl, startBrokerProxy, type BrokerProxy } from '@gatehouse/testing';
import { signToken } from '../../libs/jwt/test/token-fixtures';
import { eventually, openBrokerProbe, type BrokerProbe } from '../../libs/events/test/broker-fixtures';
import { startGateway, type Gateway } from './gateway-harness';

let proxy: BrokerProxy;
let gw: Gateway;
let probe: BrokerProbe;
beforeAll(async () => {
  proxy = await startBrokerProxy();
  gw = await startGateway({ AMQP_URL: proxy.url }, { revocationFeed: true });
  probe = await openBrokerProbe();
});
afterAll(async () => {
  await probe.close({});
  await gw.close();
  await proxy.close();
});

const call = (token: string) => fetch(`${gw.url}/api/user/profile`, { headers: { authorization: `Bearer ${token}` } });
const connects = () => gw.logs.lines().filter((l) => l.msg === 'broker connected').length;

describe('gateway revocation feed across a broker outage', () => {
  it('when the broker link drops, then the gateway keeps serving and, once reconnected, its new queue receives revocations again', async () => {
    const userId = randomUUID();
    const token = signToken(gw.key, { claims: { sub: userId } });
    const connectedBefore = connects();

    await proxy.cut();

    expect((await call(token)).status).toBe(200);
    expect((await fetch(`${managementUrl(gw.url)}/readyz`)).status).toBe(200);
    await proxy.heal();
    expect(await eventually(() => connects() > connectedBefore, 10_000)).toBe(true);

    probe.channel.publish(gw.config.EVENTS_EXCHANGE, 'user.deleted', Buffer.from(JSON.stringify(createEvent('user.deleted', { userId }))));

    expect(await eventually(async () => (await call(token)).status === 401, 1000)).toBe(true);
  });
});
