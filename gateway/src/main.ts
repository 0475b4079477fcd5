// First: it must run before anything requires the modules it instruments.
import { telemetry } from './telemetry';
import { createAmqpConnection } from '@gatehouse/events';
import { runService } from '@gatehouse/http';
import { createLogger } from '@gatehouse/logger';
import { loadGatewayConfig, revocationTtlSeconds } from './config';
import { createApp } from './app';
import { createGatewayVerifier } from './auth/create-verifier';
import { createDenyList } from './revocation/deny-list';
import { createRevocationFeed } from './revocation/revocation-feed';
import { createRevocationCatchUp } from './revocation/revocation-catch-up';
import { recentRevocationsClient } from './revocation/recent-revocations.client';
import { batchedOutput, fdWriter } from './edge/batched-output';

runService('gateway', async () => {
  const config = loadGatewayConfig(process.env);
  const logger = createLogger({ service: 'gateway', level: config.LOG_LEVEL, traceContext: telemetry.enabled });
  const accessOutput = batchedOutput(fdWriter(process.stdout.fd));
  process.once('exit', () => accessOutput.flushSync());
  const accessLogger = createLogger({ service: 'gateway', level: config.LOG_LEVEL, destination: accessOutput, traceContext: telemetry.enabled });
  if (config.JWT_VERIFY_MODE === 'off') logger.warn('JWT_VERIFY_MODE=off: the gateway is not verifying access tokens');
  const verifier = createGatewayVerifier(config, logger);
  const denyList = createDenyList({ ttlMs: revocationTtlSeconds(config) * 1000 });
  const catchUp = createRevocationCatchUp({
    fetchRecent: recentRevocationsClient({ authUrl: config.AUTH_SERVICE_URL, windowSeconds: revocationTtlSeconds(config) }),
    denyList,
    logger,
  });
  // The broker may still be starting: the connection keeps retrying, and /readyz waits for the first catch-up.
  const connection = createAmqpConnection({ url: config.AMQP_URL, logger, name: 'gatehouse-gateway' });
  const revocations = createRevocationFeed({ connection, exchange: config.EVENTS_EXCHANGE, denyList, catchUp, logger });
  await revocations.start();
  const gateway = createApp(config, { logger, verifier, denyList, revocations: catchUp, accessLogger });
  return {
    logger,
    http: gateway.http,
    port: config.PORT,
    managementPort: config.MANAGEMENT_PORT,
    host: config.HOST,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    broker: connection,
    describe: { auth: config.AUTH_SERVICE_URL, user: config.USER_SERVICE_URL, verifyMode: config.JWT_VERIFY_MODE, exchange: config.EVENTS_EXCHANGE },
    close: async () => {
      await revocations.stop();
      catchUp.stop();
      await connection.close();
      verifier.close();
      gateway.close();
      accessOutput.close();
      await telemetry.shutdown();
    },
  };
});
