// First: it must run before anything requires the modules it instruments.
import { telemetry } from './telemetry';
import { runService } from '@gatehouse/http';
import { createLogger } from '@gatehouse/logger';
import { loadGatewayConfig } from './config';
import { createApp } from './app';
import { connectInfrastructure } from './infrastructure';
import { batchedOutput, fdWriter } from './edge/batched-output';

runService('gateway', async () => {
  const config = loadGatewayConfig(process.env);
  const logger = createLogger({ service: 'gateway', level: config.LOG_LEVEL, traceContext: telemetry.enabled });
  const accessOutput = batchedOutput(fdWriter(process.stdout.fd));
  process.once('exit', () => accessOutput.flushSync());
  const accessLogger = createLogger({ service: 'gateway', level: config.LOG_LEVEL, destination: accessOutput, traceContext: telemetry.enabled });
  if (config.JWT_VERIFY_MODE === 'off') logger.warn('JWT_VERIFY_MODE=off: the gateway is not verifying access tokens');
  // The broker may still be starting: the connection keeps retrying, and /readyz waits for the first catch-up.
  const infrastructure = await connectInfrastructure(config, logger);
  const gateway = createApp(config, { ...infrastructure, logger, accessLogger });
  return {
    logger,
    http: gateway.http,
    port: config.PORT,
    managementPort: config.MANAGEMENT_PORT,
    host: config.HOST,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    broker: infrastructure.connection,
    describe: { auth: config.AUTH_SERVICE_URL, user: config.USER_SERVICE_URL, verifyMode: config.JWT_VERIFY_MODE, exchange: config.EVENTS_EXCHANGE },
    close: async () => {
      await infrastructure.close();
      gateway.close();
      accessOutput.close();
      await telemetry.shutdown();
    },
  };
});
