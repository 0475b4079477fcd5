import type { ObjectSchema } from 'joi';
import { loadConfig, migrationConfigSchema } from '@gatehouse/config';
import { prepareDatabase } from '@gatehouse/db';
import { createLogger } from '@gatehouse/logger';
import { runJob } from './run-job';

/**
 * The body of every service's migrate-only entrypoint (`node dist/migrate.js`, a Kubernetes Job
 * before the rollout): run with a DDL role, it creates the database if DATABASE_CREATE, applies
 * the migrations, and grants DATABASE_RUNTIME_ROLE data rights only. It reads the database
 * settings of `serviceSchema`, none of the secrets.
 */
export function runMigrationJob(service: string, serviceSchema: ObjectSchema, migrationsDirectory: string): void {
  const name = `${service}-migrate`;
  runJob(name, async () => {
    // eslint-disable-next-line no-restricted-properties -- the body of a process entry, like main.ts
    const config = loadConfig(service, migrationConfigSchema(serviceSchema), process.env);
    const logger = createLogger({ service: name, level: config.LOG_LEVEL });
    const result = await prepareDatabase({
      url: config.DATABASE_URL,
      create: config.DATABASE_CREATE,
      migrationsDirectory,
      runtimeRole: config.DATABASE_RUNTIME_ROLE,
      applicationName: `gatehouse-${name}`,
      statementTimeoutMs: config.MIGRATION_STATEMENT_TIMEOUT_MS,
      lockTimeoutMs: config.MIGRATION_LOCK_TIMEOUT_MS,
    });
    logger.info({ applied: result.applied, runtimeRole: result.runtimeRole ?? null }, 'database migrated');
  });
}
