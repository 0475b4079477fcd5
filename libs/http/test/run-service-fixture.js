/**
 * A process built on the compiled `runService`, for run-service.test.ts. `hang`: a build that
 * never finishes, like one stuck connecting to its database. `serve`: a service with nothing to
 * connect to and a broker link that is down, on free ports.
 */
/* global setInterval -- Node built-in */
const { Router } = require('express');
const { createLogger } = require('@gatehouse/logger');
const { createHttpApp, runService } = require('../dist');

const mode = process.argv[2];

runService('fixture', async () => {
  process.stdout.write('building\n');
  if (mode === 'hang') await new Promise(() => setInterval(() => undefined, 60_000));
  const logger = createLogger({ service: 'fixture', level: 'info' });
  const http = createHttpApp({ service: 'fixture', logger, trustProxyHops: 0, readinessChecks: {} });
  http.finish(Router().get('/api/hello', (_req, res) => res.json({ hello: 'world' })));
  return {
    logger,
    http,
    port: 0,
    managementPort: 0,
    host: '127.0.0.1',
    shutdownTimeoutMs: 5000,
    broker: { isConnected: () => false },
    close: () => undefined,
  };
});
