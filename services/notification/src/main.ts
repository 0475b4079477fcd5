// First: it must run before anything requires the modules it instruments.
import { telemetry } from './telemetry';
import { runService, serviceToRun } from '@gatehouse/http';
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
  return serviceToRun({ config, logger, app: notification, infrastructure, telemetry, describe: { mail: config.SMTP_URL ? 'smtp' : config.MAIL_DIR } });
});
