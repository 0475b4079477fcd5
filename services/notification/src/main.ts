// First: it must run before anything requires the modules it instruments.
import { telemetry } from './telemetry';
import { runService } from '@gatehouse/http';
import { createLogger } from '@gatehouse/logger';
import { loadNotificationConfig } from './config';
import { createApp } from './app';
import { connectInfrastructure } from './infrastructure';

runService('notification', async () => {
  const config = loadNotificationConfig(process.env);
  const logger = createLogger({ service: 'notification', level: config.LOG_LEVEL, traceContext: telemetry.enabled });
  const infrastructure = await connectInfrastructure(config, logger);
  const notification = createApp(config, { ...infrastructure, logger });
  await notification.start();
  return {
    logger,
    http: notification.http,
    port: config.PORT,
    managementPort: config.MANAGEMENT_PORT,
    host: config.HOST,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    broker: infrastructure.connection,
    describe: { exchange: config.EVENTS_EXCHANGE, mail: config.SMTP_URL ? 'smtp' : config.MAIL_DIR },
    // Stop taking deliveries and finish the ones in flight before the channel closes under them.
    close: async () => {
      await notification.stop();
      await infrastructure.close();
      await telemetry.shutdown();
    },
  };
});
