import { uniqueName } from '@gatehouse/testing';
import { openBrokerProbe, type BrokerProbe } from '../../../libs/events/test/broker-fixtures';
import { problemsForReleasedConsumer } from '../../../libs/events/test/released-contracts';
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
    const published: unknown = JSON.parse(messages[0]!.content.toString());
    expect(published).toMatchObject({ name: 'user.deleted', version: 1, payload: { userId: target.sub } });
    // What a consumer of the released v1 contract (unknown keys refused) makes of it: accepted.
    expect(problemsForReleasedConsumer('user.deleted', published)).toEqual([]);
    const { rows } = await harness.pool.query("SELECT published_at FROM outbox WHERE name = 'user.deleted' AND envelope->'payload'->>'userId' = $1", [
      target.sub,
    ]);
    expect(rows).toEqual([{ published_at: expect.any(Date) }]);
  });

  it('when an admin deletes a user, then user.deletion_recorded naming the admin is published beside it, on its own routing key', async () => {
    const recorded = uniqueName('user_deletion_recorded_capture');
    await probe.bindQueue(recorded, harness.config.EVENTS_EXCHANGE, ['user.deletion_recorded']);
    try {
      const target = await signUp(newIdentity());
      const admin = newAdmin();

      expect((await harness.request('DELETE', `/api/admin/users/${target.sub}`, { identity: admin })).status).toBe(204);

      const messages = await probe.take(recorded, 1);
      expect(messages.map((m) => [m.fields.routingKey, JSON.parse(m.content.toString())])).toEqual([
        ['user.deletion_recorded', expect.objectContaining({ version: 1, payload: { userId: target.sub, deletedBy: { kind: 'admin', id: admin.sub } } })],
      ]);
      const [deleted] = await probe.take(capture, 1);
      expect(JSON.parse(deleted!.content.toString()).payload).toEqual({ userId: target.sub });
    } finally {
      await probe.channel.deleteQueue(recorded);
    }
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
