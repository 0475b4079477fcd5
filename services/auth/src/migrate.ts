import { loadConfig, migrationConfigSchema } from '@gatehouse/config';
import { prepareDatabase } from '@gatehouse/db';
import { runJob } from '@gatehouse/http';
import { createLogger } from '@gatehouse/logger';
import { authConfigSchema } from './config';
import { MIGRATIONS_DIR } from './infrastructure';

/**
 * The migrate-only entrypoint (`node dist/migrate.js`, a Kubernetes Job before the rollout): run
 * with a DDL role, it creates the database if DATABASE_CREATE, applies the migrations, and grants
 * DATABASE_RUNTIME_ROLE data rights only. It reads the database settings, none of the secrets.
 */
runJob('auth-migrate', async () => {
  // eslint-disable-next-line no-restricted-properties -- a process entry, like main.ts
  const config = loadConfig('auth', migrationConfigSchema(authConfigSchema), process.env);
  const logger = createLogger({ service: 'auth-migrate', level: config.LOG_LEVEL });
  const result = await prepareDatabase({
    url: config.DATABASE_URL,
    create: config.DATABASE_CREATE,
    migrationsDirectory: MIGRATIONS_DIR,
    runtimeRole: config.DATABASE_RUNTIME_ROLE,
    applicationName: 'gatehouse-auth-migrate',
    statementTimeoutMs: config.MIGRATION_STATEMENT_TIMEOUT_MS,
    lockTimeoutMs: config.MIGRATION_LOCK_TIMEOUT_MS,
  });
  logger.info({ applied: result.applied, runtimeRole: result.runtimeRole ?? null }, 'database migrated');
});
