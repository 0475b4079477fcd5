/**
 * A no-op OTLP/HTTP receiver for P1t: accepts every export (protobuf or JSON) on `/v1/traces`,
 * reads and discards it, answers 200 with an empty response, and counts what it got. It runs
 * in the bench process, away from the processes whose CPU is measured.
 */
const http = require('node:http');

async function startOtlpSink() {
  const stats = { exports: 0, bytes: 0 };
  const server = http.createServer((req, res) => {
    req.on('data', (chunk) => (stats.bytes += chunk.length));
    req.on('end', () => {
      stats.exports += 1;
      const json = String(req.headers['content-type']).startsWith('application/json');
      res.writeHead(200, { 'content-type': json ? 'application/json' : 'application/x-protobuf' }).end(json ? '{}' : '');
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    stats: () => ({ ...stats }),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

module.exports = { startOtlpSink };
