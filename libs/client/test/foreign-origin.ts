import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ForeignSite {
  /** `http://localhost:<port>`: same site as the gateway (cookies ignore ports), another origin. */
  readonly origin: string;
  close(): Promise<void>;
}

/**
 * The page a hostile site would serve. Cookies are scoped by host, not port, so on localhost it
 * can even read the CSRF cookie; it then tries every way a page can POST to the gateway's
 * session endpoints with the user's cookies. `window.attack()` resolves with what each try saw.
 */
function attackPage(gateway: string): string {
  return `<!doctype html><meta charset="utf-8"><title>Another site</title><p id="result">idle</p>
<script>
const gateway = ${JSON.stringify(gateway)};
const csrf = (document.cookie.match(/(?:^|; )__Host-csrf_token=([^;]*)/) || [])[1] || 'guessed';
async function attempt(path, init) {
  try {
    const response = await fetch(gateway + path, { method: 'POST', credentials: 'include', ...init });
    return path + ' ' + (init.mode || 'cors') + ': ' + response.type + ' ' + response.status;
  } catch (error) {
    return path + ' ' + (init.mode || 'cors') + ': failed ' + error.name;
  }
}
window.attack = async () => {
  const results = [];
  for (const path of ['/api/auth/refresh', '/api/auth/logout', '/api/auth/logout-all']) {
    results.push(await attempt(path, { headers: { 'content-type': 'application/json', 'x-csrf-token': csrf }, body: '{}' }));
    results.push(await attempt(path, { mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body: '' }));
  }
  document.getElementById('result').textContent = results.join('\\n');
  return { csrfSeen: csrf !== 'guessed', results };
};
</script>`;
}

export async function serveForeignSite(gatewayUrl: string): Promise<ForeignSite> {
  const html = attackPage(gatewayUrl);
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(html);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://localhost:${port}`,
    close: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}
