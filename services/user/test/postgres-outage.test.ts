import type { TcpProxy } from '@gatehouse/testing';
import { newIdentity, startUser, type ProblemBody, type UserHarness } from './user-harness';

let harness: UserHarness;
let proxy: TcpProxy;
beforeAll(async () => {
  harness = await startUser('pg_outage', {}, { proxyDatabase: true });
  proxy = harness.databaseProxy!;
});
afterAll(async () => {
  await proxy.heal();
  await harness.close();
});

describe('when PostgreSQL is unreachable', () => {
  it('then a profile request answers 503 dependency_unavailable with Retry-After, logged as a warning, and 200 once it is back', async () => {
    const identity = newIdentity();
    expect((await harness.request('GET', '/api/user/profile', { identity })).status).toBe(200);

    await proxy.cut();
    const response = await harness.request('GET', '/api/user/profile', { identity });

    expect(response.status).toBe(503);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(response.headers.get('retry-after')).toBe('5');
    const body = (await response.json()) as ProblemBody & { requestId: string };
    expect(body).toMatchObject({ status: 503, code: 'dependency_unavailable' });
    const logged = harness.logs.lines().filter((l) => l.requestId === body.requestId);
    expect(logged).toContainEqual(expect.objectContaining({ level: 'warn', msg: 'dependency unavailable' }));
    expect(logged).not.toContainEqual(expect.objectContaining({ msg: 'unexpected error' }));

    await proxy.heal();
    expect((await harness.request('GET', '/api/user/profile', { identity })).status).toBe(200);
  });
});
