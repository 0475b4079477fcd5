import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import Redis from 'ioredis';
import { dropDatabase, ensureDatabase, withDatabase } from '@gatehouse/db';
import { testInfrastructure } from './infrastructure';

/** A short random name part, safe in database names, Redis keys and queue names. */
export function uniqueName(label: string): string {
  return `${label.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${randomBytes(4).toString('hex')}`;
}

export interface TestDatabase {
  readonly url: string;
  drop(): Promise<void>;
}

/** A fresh, empty database on the test server, for one test file. */
export async function createTestDatabase(label: string): Promise<TestDatabase> {
  const url = withDatabase(testInfrastructure().postgresUrl, `gh_test_${uniqueName(label)}`);
  await ensureDatabase(url);
  return { url, drop: () => dropDatabase(url) };
}

/** A Redis key prefix owned by one test file, and a way to delete everything under it. */
export function createTestRedisPrefix(label: string): { prefix: string; cleanup(): Promise<void> } {
  const prefix = `gh_test:${uniqueName(label)}:`;
  return {
    prefix,
    async cleanup() {
      const redis = new Redis(testInfrastructure().redisUrl);
      try {
        let cursor = '0';
        do {
          const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
          cursor = next;
          if (keys.length > 0) await redis.del(...keys);
        } while (cursor !== '0');
      } finally {
        redis.disconnect();
      }
    },
  };
}

export interface RunningServer {
  readonly url: string;
  readonly port: number;
  /** Where the app's management app (health and metrics) listens, for an app from `createHttpApp`. */
  readonly managementUrl?: string;
  close(): Promise<void>;
}

/** Must equal `MANAGEMENT_APP_SETTING` in libs/http, which this package does not depend on. */
const MANAGEMENT_APP_SETTING = 'gatehouse management app';

/** Management URLs by the URL of the API they belong to, while both are served. */
const managementUrls = new Map<string, string>();

function listenOnFreePort(app: Express): Promise<{ url: string; port: number; close(): Promise<void> }> {
  return new Promise((resolve, reject) => {
    const server: Server = app.listen(0, '127.0.0.1', (error?: Error) => {
      if (error) return reject(error);
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

/**
 * Serves an app in-process on a free loopback port. An app from `createHttpApp` gets its
 * management app served on a second free port, as `runService` does in production.
 */
export async function serveOnFreePort(app: Express): Promise<RunningServer> {
  const api = await listenOnFreePort(app);
  const managementApp = app.get(MANAGEMENT_APP_SETTING) as Express | undefined;
  if (!managementApp) return api;
  const management = await listenOnFreePort(managementApp);
  managementUrls.set(api.url, management.url);
  return {
    ...api,
    managementUrl: management.url,
    async close() {
      managementUrls.delete(api.url);
      await Promise.all([api.close(), management.close()]);
    },
  };
}

/**
 * The management URL (`/healthz`, `/readyz`, `/metrics`) of an API served by `serveOnFreePort`,
 * for harnesses that hand tests only the API's URL.
 */
export function managementUrl(apiUrl: string): string {
  const url = managementUrls.get(apiUrl);
  if (!url) throw new Error(`${apiUrl} is not an app from createHttpApp served by serveOnFreePort`);
  return url;
}
