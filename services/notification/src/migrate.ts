import { runMigrationJob } from '@gatehouse/http';
import { notificationConfigSchema } from './config';
import { MIGRATIONS_DIR } from './infrastructure';

/** The migrate-only entrypoint (`node dist/migrate.js`): see `runMigrationJob`. */
runMigrationJob('notification', notificationConfigSchema, MIGRATIONS_DIR);
