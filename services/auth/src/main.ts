import { runService } from '@gatehouse/http';
import { createLogger } from '@gatehouse/logger';
import { loadAuthConfig } from './config';
import { createApp } from './app';
import { connectInfrastructure } from './infrastructure';
import { createBcryptPasswordHasher } from './crypto/bcrypt-password-hasher';

runService('auth', async () => {
  const config = loadAuthConfig(process.env);
  const logger = createLogger({ service: 'auth', level: config.LOG_LEVEL });
  const infrastructure = await connectInfrastructure(config, logger);
  const hasher = await createBcryptPasswordHasher(config.BCRYPT_COST);
  const auth = createApp(config, { ...infrastructure, hasher, logger });
  if (config.BOOTSTRAP_ADMIN_EMAIL && config.BOOTSTRAP_ADMIN_PASSWORD) {
    await auth.bootstrapAdmin(config.BOOTSTRAP_ADMIN_EMAIL, config.BOOTSTRAP_ADMIN_PASSWORD);
  }
  return {
    logger,
    http: auth.http,
    port: config.PORT,
    host: config.HOST,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    close: () => infrastructure.close(),
  };
});
