import { uniqueName } from '@gatehouse/testing';
import { openBrokerProbe, type BrokerProbe } from '../../../libs/events/test/broker-fixtures';
import { newAdmin, newIdentity, startUser, type Identity, type UserHarness } from './user-harness';

let harness: UserHarness;
let probe: BrokerProbe;
const capture = uniqueName('user_deleted_capture');
beforeAll(async () => {
  harness = await startUser('user_deleted');
  probe = await openBrokerProbe();
  await probe.bindQueue(capture, harness.config.EVENTS_EXCHANGE, ['user.deleted']);
});
afterAll(async () => {
  await probe.close({ queues: [capture] });
  await harness.close();
});

async function signUp(identity: Identity): Promise<Identity> {
  const response = await harness.request('GET', '/api/user/profile', { identity });
  if (response.status !== 200) throw new Error(`profile failed: ${response.status}`);
  return identity;
}

describe('DELETE /api/admin/users/:id → user.deleted', () => {
  it('when an admin deletes a user, then exactly one user.deleted naming the user is published', async () => {
    const target = await signUp(newIdentity());

    const response = await harness.request('DELETE', `/api/admin/users/${target.sub}`, { identity: newAdmin() });

    expect(response.status).toBe(204);
    const messages = await probe.take(capture, 1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    messages.push(...(await probe.take(capture, 0, 0)));
    expect(messages).toHaveLength(1);
    expect(JSON.parse(messages[0]!.content.toString())).toMatchObject({ name: 'user.deleted', version: 1, payload: { userId: target.sub } });
    const { rows } = await harness.pool.query("SELECT published_at FROM outbox WHERE name = 'user.deleted' AND envelope->'payload'->>'userId' = $1", [
      target.sub,
    ]);
    expect(rows).toEqual([{ published_at: expect.any(Date) }]);
  });

  it('when the delete is refused, then nothing is published', async () => {
    const admin = newAdmin();
    await harness.pool.query(`DELETE FROM profiles WHERE 'admin' = ANY (roles)`);

    const response = await harness.request('DELETE', `/api/admin/users/${admin.sub}`, { identity: admin });

    expect(response.status).toBe(409);
    const { rows } = await harness.pool.query("SELECT 1 FROM outbox WHERE envelope->'payload'->>'userId' = $1", [admin.sub]);
    expect(rows).toHaveLength(0);
  });
});
