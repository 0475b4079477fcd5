import { runMigrationJob } from '@gatehouse/http';
import { userConfigSchema } from './config';
import { MIGRATIONS_DIR } from './infrastructure';

/** The migrate-only entrypoint (`node dist/migrate.js`): see `runMigrationJob`. */
runMigrationJob('user', userConfigSchema, MIGRATIONS_DIR);
