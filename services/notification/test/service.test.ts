import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { processedEventsMigrationSql } from '@gatehouse/events';
import { managementUrl } from '@gatehouse/testing';
import { MIGRATIONS_DIR } from '../src/infrastructure';
import { startNotification, type NotificationHarness } from './notification-harness';

let harness: NotificationHarness;
beforeAll(async () => {
  harness = await startNotification('service');
});
afterAll(() => harness.close());

describe('operations endpoints', () => {
  it('when postgres is reachable, then /readyz on the management port reports ready', async () => {
    const response = await fetch(`${managementUrl(harness.url)}/readyz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ready', checks: { postgres: 'ok' } });
  });

  it('when /healthz and /metrics are asked, then the process answers with the email counters', async () => {
    expect((await fetch(`${managementUrl(harness.url)}/healthz`)).status).toBe(200);
    const metrics = await (await fetch(`${managementUrl(harness.url)}/metrics`)).text();
    expect(metrics).toMatch(/service="notification"/);
    expect(metrics).toMatch(/# TYPE gatehouse_notification_emails_total counter/);
  });

  it('when a path is unknown, then 404 problem+json', async () => {
    const response = await fetch(`${harness.url}/api/notification/nothing`);
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toMatch(/application\/problem\+json/);
  });

  it('when the processed_events migration is compared with the library, then it is the same schema', async () => {
    const migration = await readFile(join(MIGRATIONS_DIR, '0001_processed_events.sql'), 'utf8');
    expect(migration).toBe(processedEventsMigrationSql);
  });

  it('when shutdown begins, then /readyz turns 503 so traffic drains', async () => {
    harness.notification.http.stopAcceptingTraffic();
    const response = await fetch(`${managementUrl(harness.url)}/readyz`);
    expect(response.status).toBe(503);
  });
});
