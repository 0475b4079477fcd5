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
  close(): Promise<void>;
}

/** Serves an app in-process on a free loopback port. */
export function serveOnFreePort(app: Express): Promise<RunningServer> {
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
