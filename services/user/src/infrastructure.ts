import { join } from 'node:path';
import type { Pool } from 'pg';
import { openServiceDatabase } from '@gatehouse/db';
import { createAmqpConnection, type AmqpConnection } from '@gatehouse/events';
import { createJwksVerifier, type JwksVerifier } from '@gatehouse/jwt';
import type { Logger } from '@gatehouse/logger';
import type { UserConfig } from './config';

export const MIGRATIONS_DIR = join(__dirname, '..', 'migrations');

export interface UserInfrastructure {
  readonly pool: Pool;
  readonly verifier: JwksVerifier;
  readonly connection: AmqpConnection;
  close(): Promise<void>;
}

/**
 * Connects to PostgreSQL (creating and migrating the database when the config says so), to the
 * auth service's JWKS and to the broker, which keeps retrying while it is away (the broker gauge
 * and logs report it meanwhile).
 */
export async function connectInfrastructure(config: Readonly<UserConfig>, logger: Logger): Promise<UserInfrastructure> {
  const pool = await openServiceDatabase(config, { applicationName: 'gatehouse-user', migrationsDirectory: MIGRATIONS_DIR, logger });
  const verifier = createJwksVerifier({ jwksUrl: config.JWKS_URL, issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE, logger });
  // Auth may still be starting: boot anyway and stay unready (/readyz) until its keys load.
  await verifier.refresh().catch((error: unknown) => logger.warn({ err: error, jwksUrl: config.JWKS_URL }, 'JWKS not loaded yet'));
  const connection = createAmqpConnection({ url: config.AMQP_URL, logger, name: 'gatehouse-user', queueType: config.EVENTS_QUEUE_TYPE });
  return {
    pool,
    verifier,
    connection,
    async close() {
      await connection.close();
      verifier.close();
      await pool.end();
    },
  };
}
