// First: it must run before anything requires the modules it instruments.
import { telemetry } from './telemetry';
import { runService } from '@gatehouse/http';
import { createLogger } from '@gatehouse/logger';
import { loadUserConfig } from './config';
import { createApp } from './app';
import { connectInfrastructure } from './infrastructure';

runService('user', async () => {
  const config = loadUserConfig(process.env);
  const logger = createLogger({ service: 'user', level: config.LOG_LEVEL, traceContext: telemetry.enabled });
  const infrastructure = await connectInfrastructure(config, logger);
  const user = createApp(config, { ...infrastructure, logger });
  await user.start();
  return {
    logger,
    http: user.http,
    port: config.PORT,
    managementPort: config.MANAGEMENT_PORT,
    host: config.HOST,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    broker: infrastructure.connection,
    describe: { exchange: config.EVENTS_EXCHANGE },
    // Stop consuming and relaying before the channel and pool close under the work in flight.
    close: async () => {
      await user.stop();
      await infrastructure.close();
      await telemetry.shutdown();
    },
  };
});
