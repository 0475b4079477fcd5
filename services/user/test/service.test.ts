import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { outboxMigrationSql, outboxTraceContextMigrationSql, processedEventsMigrationSql } from '@gatehouse/events';
import { managementUrl } from '@gatehouse/testing';
import { MIGRATIONS_DIR } from '../src/infrastructure';
import { newIdentity, startUser, type UserHarness } from './user-harness';

let harness: UserHarness;
beforeAll(async () => {
  harness = await startUser('service');
});
afterAll(() => harness.close());

describe('operations endpoints', () => {
  it('when postgres and the JWKS are reachable, then /readyz on the management port reports ready', async () => {
    const response = await fetch(`${managementUrl(harness.url)}/readyz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ready', checks: { postgres: 'ok', jwks: 'ok' } });
  });

  it('when the events migration is compared with the library, then it holds the outbox and processed_events schemas verbatim', async () => {
    const migration = await readFile(join(MIGRATIONS_DIR, '0002_events.sql'), 'utf8');
    expect(migration.startsWith(`${outboxMigrationSql}\n${processedEventsMigrationSql}\n`)).toBe(true);
  });

  it('when the outbox trace context migration is compared with the library, then it is a verbatim copy', async () => {
    expect(await readFile(join(MIGRATIONS_DIR, '0003_outbox_trace_context.sql'), 'utf8')).toBe(outboxTraceContextMigrationSql);
  });

  it('when /healthz and /metrics are asked, then the management port answers and the API port does not', async () => {
    expect((await fetch(`${managementUrl(harness.url)}/healthz`)).status).toBe(200);
    const metrics = await (await fetch(`${managementUrl(harness.url)}/metrics`)).text();
    expect(metrics).toMatch(/service="user"/);
    for (const path of ['/healthz', '/readyz', '/metrics']) expect((await fetch(`${harness.url}${path}`)).status).toBe(404);
  });

  it('when a path is unknown, then 404 problem+json', async () => {
    const response = await fetch(`${harness.url}/api/user/nothing-here`);
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toMatch(/application\/problem\+json/);
  });

  it('when a token passes through, then it never appears in the logs', async () => {
    const token = harness.token(newIdentity());
    await harness.request('GET', '/api/user/profile', { token });
    expect(harness.logs.text()).not.toContain(token);
  });

  it('when shutdown begins, then /readyz turns 503 so traffic drains', async () => {
    harness.user.http.stopAcceptingTraffic();
    const response = await fetch(`${managementUrl(harness.url)}/readyz`);
    expect(response.status).toBe(503);
  });
});
