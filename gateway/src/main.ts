import { ConfigError } from '@gatehouse/config';
import { closeServer, listen, onShutdownSignal } from '@gatehouse/http';
import { createLogger } from '@gatehouse/logger';
import { loadGatewayConfig } from './config';
import { createApp } from './app';
import { createGatewayVerifier } from './auth/create-verifier';

async function main(): Promise<void> {
  const config = loadGatewayConfig(process.env);
  const logger = createLogger({ service: 'gateway', level: config.LOG_LEVEL });
  if (config.JWT_VERIFY_MODE === 'off') logger.warn('JWT_VERIFY_MODE=off: the gateway is not verifying access tokens');
  const verifier = createGatewayVerifier(config, logger);
  const gateway = createApp(config, { logger, verifier });
  const server = await listen(gateway.app, config.PORT, config.HOST);
  logger.info({ port: config.PORT, auth: config.AUTH_SERVICE_URL, user: config.USER_SERVICE_URL, verifyMode: config.JWT_VERIFY_MODE }, 'gateway listening');
  onShutdownSignal({
    logger,
    timeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    shutdown: async () => {
      gateway.http.stopAcceptingTraffic();
      await closeServer(server);
      verifier.close();
      gateway.close();
    },
  });
}

main().catch((error: unknown) => {
  // Config errors are the operator's to fix: print the list, not a stack trace.
  process.stderr.write(error instanceof ConfigError ? `${error.message}\n` : `gateway failed to start: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
