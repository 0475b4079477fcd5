import { ConfigError } from '@gatehouse/config';
import { closeServer, listen, onShutdownSignal } from '@gatehouse/http';
import { createLogger } from '@gatehouse/logger';
import { loadUserConfig } from './config';
import { createApp } from './app';
import { connectInfrastructure } from './infrastructure';

async function main(): Promise<void> {
  const config = loadUserConfig(process.env);
  const logger = createLogger({ service: 'user', level: config.LOG_LEVEL });
  const infrastructure = await connectInfrastructure(config, logger);
  const user = createApp(config, { ...infrastructure, logger });
  const server = await listen(user.app, config.PORT, config.HOST);
  logger.info({ port: config.PORT }, 'user service listening');
  onShutdownSignal({
    logger,
    timeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    shutdown: async () => {
      user.http.stopAcceptingTraffic();
      await closeServer(server);
      await infrastructure.close();
    },
  });
}

main().catch((error: unknown) => {
  // Config errors are the operator's to fix: print the list, not a stack trace.
  process.stderr.write(error instanceof ConfigError ? `${error.message}\n` : `user failed to start: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
