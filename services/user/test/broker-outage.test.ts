import { managementUrl, startBrokerProxy, uniqueName, type BrokerProxy } from '@gatehouse/testing';
import { eventually, openBrokerProbe, type BrokerProbe } from '../../../libs/events/test/broker-fixtures';
import { newAdmin, newIdentity, startUser, type UserHarness } from './user-harness';

let proxy: BrokerProxy;
let harness: UserHarness;
let probe: BrokerProbe;
const capture = uniqueName('user_outage_capture');
beforeAll(async () => {
  proxy = await startBrokerProxy();
  harness = await startUser('outage', { AMQP_URL: proxy.url });
  probe = await openBrokerProbe();
  await probe.bindQueue(capture, harness.config.EVENTS_EXCHANGE, ['user.deleted', 'user.deletion_recorded']);
});
afterAll(async () => {
  await probe.close({ queues: [capture] });
  await harness.close();
  await proxy.close();
});

const readiness = async () => {
  const response = await fetch(`${managementUrl(harness.url)}/readyz`);
  return { status: response.status, body: (await response.json()) as { checks: Record<string, string> } };
};
const reconnects = () => harness.logs.lines().filter((line) => line.msg === 'broker unavailable, reconnecting').length;

const pending = async (userId: string) => {
  const { rows } = await harness.pool.query("SELECT published_at FROM outbox WHERE envelope->'payload'->>'userId' = $1", [userId]);
  return rows as { published_at: Date | null }[];
};

describe('when the broker link drops', () => {
  it('then /readyz stays 200 (the broker is no readiness check), a delete still answers 204, and user.deleted and user.deletion_recorded are published once the link is back', async () => {
    const target = newIdentity();
    expect((await harness.request('GET', '/api/user/profile', { identity: target })).status).toBe(200);
    const reconnectsBefore = reconnects();

    await proxy.cut();
    expect(await eventually(() => reconnects() > reconnectsBefore, 3000)).toBe(true);
    expect(await readiness()).toEqual({ status: 200, body: { status: 'ready', checks: { postgres: 'ok', jwks: 'ok' } } });

    const admin = newAdmin();
    const response = await harness.request('DELETE', `/api/admin/users/${target.sub}`, { identity: admin });

    expect(response.status).toBe(204);
    expect(await pending(target.sub)).toEqual([{ published_at: null }, { published_at: null }]);
    await proxy.heal();
    const messages = await probe.take(capture, 2, 10_000);
    const published = messages.map((m) => JSON.parse(m.content.toString()) as { name: string; payload: unknown });
    published.sort((a, b) => a.name.localeCompare(b.name));
    expect(published.map((event) => [event.name, event.payload])).toEqual([
      ['user.deleted', { userId: target.sub }],
      ['user.deletion_recorded', { userId: target.sub, deletedBy: { kind: 'admin', id: admin.sub } }],
    ]);
    expect(await eventually(async () => (await pending(target.sub)).every((row) => row.published_at instanceof Date))).toBe(true);
  });
});
