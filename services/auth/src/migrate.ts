import { runMigrationJob } from '@gatehouse/http';
import { authConfigSchema } from './config';
import { MIGRATIONS_DIR } from './infrastructure';

/** The migrate-only entrypoint (`node dist/migrate.js`): see `runMigrationJob`. */
runMigrationJob('auth', authConfigSchema, MIGRATIONS_DIR);
