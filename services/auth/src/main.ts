import { ConfigError } from '@gatehouse/config';
import { closeServer, listen, onShutdownSignal } from '@gatehouse/http';
import { createLogger } from '@gatehouse/logger';
import { loadAuthConfig } from './config';
import { createApp } from './app';
import { connectInfrastructure } from './infrastructure';
import { createBcryptPasswordHasher } from './crypto/bcrypt-password-hasher';

async function main(): Promise<void> {
  const config = loadAuthConfig(process.env);
  const logger = createLogger({ service: 'auth', level: config.LOG_LEVEL });
  const infrastructure = await connectInfrastructure(config, logger);
  const hasher = await createBcryptPasswordHasher(config.BCRYPT_COST);
  const auth = createApp(config, { ...infrastructure, hasher, logger });
  if (config.BOOTSTRAP_ADMIN_EMAIL && config.BOOTSTRAP_ADMIN_PASSWORD) {
    await auth.bootstrapAdmin(config.BOOTSTRAP_ADMIN_EMAIL, config.BOOTSTRAP_ADMIN_PASSWORD);
  }
  const server = await listen(auth.app, config.PORT, config.HOST);
  logger.info({ port: config.PORT }, 'auth service listening');
  onShutdownSignal({
    logger,
    timeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    shutdown: async () => {
      auth.http.stopAcceptingTraffic();
      await closeServer(server);
      await infrastructure.close();
    },
  });
}

main().catch((error: unknown) => {
  // Config errors are the operator's to fix: print the list, not a stack trace.
  process.stderr.write(error instanceof ConfigError ? `${error.message}\n` : `auth failed to start: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
