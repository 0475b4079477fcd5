// First: it must run before anything requires the modules it instruments.
import { telemetry } from './telemetry';
import { runService, serviceToRun } from '@gatehouse/http';
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
  return serviceToRun({ config, logger, app: user, infrastructure, telemetry });
});
