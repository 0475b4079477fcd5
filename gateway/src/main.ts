import { runService } from '@gatehouse/http';
import { createLogger } from '@gatehouse/logger';
import { loadGatewayConfig } from './config';
import { createApp } from './app';
import { createGatewayVerifier } from './auth/create-verifier';

runService('gateway', async () => {
  const config = loadGatewayConfig(process.env);
  const logger = createLogger({ service: 'gateway', level: config.LOG_LEVEL });
  if (config.JWT_VERIFY_MODE === 'off') logger.warn('JWT_VERIFY_MODE=off: the gateway is not verifying access tokens');
  const verifier = createGatewayVerifier(config, logger);
  const gateway = createApp(config, { logger, verifier });
  return {
    logger,
    http: gateway.http,
    port: config.PORT,
    host: config.HOST,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    describe: { auth: config.AUTH_SERVICE_URL, user: config.USER_SERVICE_URL, verifyMode: config.JWT_VERIFY_MODE },
    close: () => {
      verifier.close();
      gateway.close();
    },
  };
});
