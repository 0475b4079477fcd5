// First: it must run before anything requires the modules it instruments.
import { telemetry } from './telemetry';
import { runService, serviceToRun } from '@gatehouse/http';
import { createLogger } from '@gatehouse/logger';
import { loadAuthConfig } from './config';
import { createApp } from './app';
import { connectInfrastructure } from './infrastructure';
import { createBcryptPasswordHasher } from './crypto/bcrypt-password-hasher';

runService('auth', async () => {
  const config = loadAuthConfig(process.env);
  const logger = createLogger({ service: 'auth', level: config.LOG_LEVEL, traceContext: telemetry.enabled });
  const infrastructure = await connectInfrastructure(config, logger);
  const hasher = await createBcryptPasswordHasher(config.BCRYPT_COST);
  const auth = createApp(config, { ...infrastructure, hasher, logger });
  if (config.BOOTSTRAP_ADMIN_EMAIL && config.BOOTSTRAP_ADMIN_PASSWORD) {
    await auth.bootstrapAdmin(config.BOOTSTRAP_ADMIN_EMAIL, config.BOOTSTRAP_ADMIN_PASSWORD);
  }
  await auth.start();
  return serviceToRun({ config, logger, app: auth, infrastructure, telemetry });
});
