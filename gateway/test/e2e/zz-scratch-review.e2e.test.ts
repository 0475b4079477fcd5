import { request as httpRequest } from 'node:http';
import { appendFileSync, writeFileSync } from 'node:fs';
import { startSystem, type System } from './system';

const OUT = '/tmp/review-c.log';
const log = (label: string, value: unknown) => appendFileSync(OUT, `${label}: ${typeof value === 'string' ? value : JSON.stringify(value)}\n`);
const FORM = 'application/x-www-form-urlencoded';
interface RawResponse { status: number; headers: Record<string, string | string[] | undefined>; body: string }
function raw(base: string, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<RawResponse> {
  const url = new URL(base);
  return new Promise((done) => {
    const req = httpRequest({ host: url.hostname, port: url.port, method, path, headers }, (res) => {
      let data = '';
      res.on('data', (c: Buffer) => (data += c.toString()));
      res.on('end', () => done({ status: res.statusCode ?? 0, headers: res.headers, body: data }));
    });
    req.on('error', (e) => done({ status: -1, headers: {}, body: String(e) }));
    req.end(body);
  });
}

let system: System;
beforeAll(async () => {
  writeFileSync(OUT, '');
  system = await startSystem('zzpath', { auth: { JWT_ISSUER: 'https://id.example.com/tenant' }, gateway: { JWT_ISSUER: 'https://id.example.com/tenant' }, user: { JWT_ISSUER: 'https://id.example.com/tenant' } });
}, 90_000);
afterAll(async () => { await system?.stop(); });

it('abs-form, anon paths, direct user service after delete, path issuer metadata', async () => {
  const gw = system.gateway.url;
  const login = await raw(gw, 'POST', '/api/auth/login', { 'content-type': 'application/json' }, JSON.stringify(system.admin));
  const admin = (JSON.parse(login.body) as { accessToken: string }).accessToken;
  const c = JSON.parse((await raw(gw, 'POST', '/api/admin/clients', { 'content-type': 'application/json', authorization: `Bearer ${admin}` }, JSON.stringify({ name: 'p', scopes: ['users:read'], roles: ['admin'] }))).body) as { clientId: string; clientSecret: string };
  const t = await raw(gw, 'POST', '/api/auth/token', { 'content-type': FORM }, `grant_type=client_credentials&client_id=${c.clientId}&client_secret=${c.clientSecret}`);
  const svc = (JSON.parse(t.body) as { access_token: string }).access_token;
  const host = new URL(gw).host;
  for (const target of [`http://${host}/api/admin/clients`, `http://${host}/api/admin/users/../clients`, `http://evil/api/admin/clients`, `http://evil/api/admin/users`]) {
    for (const [who, tok] of [['svc', svc], ['admin', admin]]) {
      const r = await raw(gw, 'GET', target, { authorization: `Bearer ${tok}` });
      log(`abs ${who} GET ${target}`, `${r.status} ${r.body.slice(0, 100)}`);
    }
  }
  for (const path of ['/api/admin/clients/', '/API/admin/users', '/api/admin/users%2F', '/api/auth/sessions/', '/API/AUTH/SESSIONS', '/api/admin/clients%2f..%2f..%2fauth%2fsessions']) {
    const r = await raw(gw, 'GET', path);
    log(`anon GET ${path}`, `${r.status} ${r.body.slice(0, 100)}`);
  }
  log('svc before delete gw/user', `${(await raw(gw, 'GET', '/api/admin/users', { authorization: `Bearer ${svc}` })).status}/${(await raw(system.user.url, 'GET', '/api/admin/users', { authorization: `Bearer ${svc}` })).status}`);
  await raw(gw, 'DELETE', `/api/admin/clients/${c.clientId}`, { authorization: `Bearer ${admin}` });
  await new Promise((r) => setTimeout(r, 500));
  log('svc after delete gw/user(direct)', `${(await raw(gw, 'GET', '/api/admin/users', { authorization: `Bearer ${svc}` })).status}/${(await raw(system.user.url, 'GET', '/api/admin/users', { authorization: `Bearer ${svc}` })).status}`);
  const meta = await raw(gw, 'GET', '/.well-known/oauth-authorization-server');
  log('meta path issuer', meta.body);
  const payload = JSON.parse(Buffer.from(svc.split('.')[1]!, 'base64url').toString()) as { iss: string };
  log('token iss', payload.iss);
  const m = JSON.parse(meta.body) as { token_endpoint: string; jwks_uri: string };
  log('token_endpoint path served at gateway?', (await raw(gw, 'POST', new URL(m.token_endpoint).pathname, { 'content-type': FORM }, 'grant_type=client_credentials')).status);
  log('jwks_uri path served at gateway?', (await raw(gw, 'GET', new URL(m.jwks_uri).pathname)).status);
  log('RFC 8414 path-form metadata served?', (await raw(gw, 'GET', '/.well-known/oauth-authorization-server/tenant')).status);
});
