import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { parse } from 'yaml';
import { SoftwareAuthenticator, totpCode, totpStep } from '@gatehouse/testing';
import { startSystem, type System } from './system';

interface Operation {
  tags?: string[];
  security?: Record<string, string[]>[];
  responses: Record<string, { $ref?: string; content?: Record<string, { schema?: Schema }> }>;
}
interface Schema {
  $ref?: string;
  required?: string[];
}
interface Spec {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema>; responses: Record<string, { content?: Record<string, { schema?: Schema }> }> };
}

const spec = parse(readFileSync(join(__dirname, '..', '..', 'openapi.yaml'), 'utf8')) as Spec;
const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

const MEMBER_PASSWORD = 'an openapi member passphrase';
/** A token our emails could carry (43 base64url characters) that no account was sent. */
const UNSENT_TOKEN = 'A'.repeat(43);

let system: System;
let adminToken: string;
/**
 * Members for the operations that end sessions, one each, so that no example ends a session
 * another example needs: one changes the password, one ends its other session, one logs out
 * everywhere.
 */
let changerToken: string;
let ender: { token: string; otherSessionId: string };
let leaverToken: string;
/** A client whose credentials the token endpoint's example uses, and one the delete example removes. */
let client: { clientId: string; clientSecret: string };
let doomedClientId: string;

/** The request's body and its content type: JSON, a form, or none. */
function encoded(request: ExampleRequest): { headers: Record<string, string>; body?: string } {
  if (request.form) return { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(request.form).toString() };
  if (request.body === undefined) return { headers: {} };
  return { headers: { 'content-type': 'application/json' }, body: JSON.stringify(request.body) };
}
/**
 * Members for the second-factor operations, one each: one starts a setup, one has a setup
 * waiting for its code, one removes a confirmed app, one finishes a login with a recovery code.
 */
let setupToken: string;
let confirmer: { token: string; secret: string };
let removerToken: string;
let mfaLogin: { mfaToken: string; recoveryCode: string };

/**
 * Passkey examples with a software authenticator on a page of development's relying party
 * (localhost:8080; the ceremony's origin is what the authenticator signs, not where the request
 * comes from): a registration answered for one member, a sign-in answered for another, and a
 * passkey a third member removes.
 */
const PASSKEY_ORIGIN = 'http://localhost:8080';
let passkeyRegistration: { token: string; response: unknown };
let passkeySignIn: { response: unknown };
let passkeyRemoval: { token: string; passkeyId: string };

async function post(path: string, body: unknown, token?: string): Promise<Response> {
  return fetch(`${system.gateway.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
}

async function loginToken(email: string, password: string): Promise<string> {
  return ((await (await post('/api/auth/login', { email, password })).json()) as { accessToken: string }).accessToken;
}

async function newMember(): Promise<string> {
  const email = `openapi.member.${randomUUID()}@example.com`;
  expect((await post('/api/auth/register', { email, password: MEMBER_PASSWORD })).status).toBe(201);
  return email;
}

/** Starts a TOTP setup with the member's token; the secret it answers. */
async function startTotp(token: string): Promise<string> {
  return ((await (await post('/api/auth/mfa/totp/setup', {}, token)).json()) as { secret: string }).secret;
}

/** A fresh device's answer to the member's registration options. */
async function passkeyFor(token: string, device = SoftwareAuthenticator.create({ origin: PASSKEY_ORIGIN })) {
  const options = (await (await post('/api/auth/passkeys/register/options', {}, token)).json()) as Parameters<SoftwareAuthenticator['register']>[0];
  return device.register(options);
}

/** Registers a passkey for the member; the device and the stored passkey's id. */
async function registeredPasskey(token: string): Promise<{ device: SoftwareAuthenticator; passkeyId: string }> {
  const device = SoftwareAuthenticator.create({ origin: PASSKEY_ORIGIN });
  const registered = await post('/api/auth/passkeys/register/verify', { response: await passkeyFor(token, device) }, token);
  return { device, passkeyId: ((await registered.json()) as { id: string }).id };
}

/** Sets up and confirms an authenticator app; the recovery codes. */
async function enableTotp(token: string): Promise<string[]> {
  const secret = await startTotp(token);
  const confirmed = await post('/api/auth/mfa/totp/confirm', { code: totpCode(secret, totpStep(Date.now())) }, token);
  return ((await confirmed.json()) as { recoveryCodes: string[] }).recoveryCodes;
}

beforeAll(async () => {
  system = await startSystem('openapi');
  adminToken = await loginToken(system.admin.email, system.admin.password);
  changerToken = await loginToken(await newMember(), MEMBER_PASSWORD);
  leaverToken = await loginToken(await newMember(), MEMBER_PASSWORD);
  const enderEmail = await newMember();
  const otherToken = await loginToken(enderEmail, MEMBER_PASSWORD);
  const listed = await fetch(`${system.gateway.url}/api/auth/sessions`, { headers: { authorization: `Bearer ${otherToken}` } });
  const { sessions } = (await listed.json()) as { sessions: { id: string; current: boolean }[] };
  ender = { token: await loginToken(enderEmail, MEMBER_PASSWORD), otherSessionId: sessions.find((s) => s.current)!.id };
  const newClient = async (name: string) =>
    (await (await post('/api/admin/clients', { name, scopes: ['users:read'], roles: ['admin'] }, adminToken)).json()) as typeof client;
  client = await newClient('OpenAPI checker');
  doomedClientId = (await newClient('OpenAPI doomed')).clientId;
  setupToken = await loginToken(await newMember(), MEMBER_PASSWORD);
  const confirmerToken = await loginToken(await newMember(), MEMBER_PASSWORD);
  confirmer = { token: confirmerToken, secret: await startTotp(confirmerToken) };
  removerToken = await loginToken(await newMember(), MEMBER_PASSWORD);
  await enableTotp(removerToken);
  const mfaEmail = await newMember();
  const [recoveryCode] = await enableTotp(await loginToken(mfaEmail, MEMBER_PASSWORD));
  const challenge = (await (await post('/api/auth/login', { email: mfaEmail, password: MEMBER_PASSWORD })).json()) as { mfaToken: string };
  mfaLogin = { mfaToken: challenge.mfaToken, recoveryCode: recoveryCode! };
  const registrantToken = await loginToken(await newMember(), MEMBER_PASSWORD);
  passkeyRegistration = { token: registrantToken, response: await passkeyFor(registrantToken) };
  const { device } = await registeredPasskey(await loginToken(await newMember(), MEMBER_PASSWORD));
  const requestOptions = (await (await post('/api/auth/passkeys/login/options', {})).json()) as Parameters<SoftwareAuthenticator['assert']>[0];
  passkeySignIn = { response: device.assert(requestOptions) };
  const removerOfPasskey = await loginToken(await newMember(), MEMBER_PASSWORD);
  passkeyRemoval = { token: removerOfPasskey, passkeyId: (await registeredPasskey(removerOfPasskey)).passkeyId };
}, 60_000);
afterAll(async () => {
  await system?.stop();
});

/** A request that exercises each documented operation's happy path where one exists. */
interface ExampleRequest {
  path: string;
  body?: unknown;
  /** Sent as application/x-www-form-urlencoded instead of a JSON body. */
  form?: Record<string, string>;
  headers?: Record<string, string>;
  /** The status the example must reach, where a documented error would hide a broken happy path. */
  status?: number;
}

function exampleRequest(path: string, method: string): ExampleRequest {
  const concrete = path.replace('{id}', randomUUID());
  const asMember = (token: string) => ({ authorization: `Bearer ${token}` });
  const basic = `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`;
  const examples: Record<string, Omit<ExampleRequest, 'path'> & { path?: string }> = {
    'post /api/auth/register': { body: { email: `openapi.${randomUUID()}@example.com`, password: 'an openapi passphrase' } },
    'post /api/auth/login': { body: { email: system.admin.email, password: system.admin.password } },
    'post /api/auth/refresh': { headers: { 'x-csrf-token': 'x' } },
    'get /api/auth/verify-email': { path: `/api/auth/verify-email?token=${UNSENT_TOKEN}` },
    'post /api/auth/password/forgot': { body: { email: `openapi.${randomUUID()}@example.com` } },
    'get /api/auth/password/reset': { path: `/api/auth/password/reset?token=${UNSENT_TOKEN}` },
    'post /api/auth/password/reset': { body: { token: UNSENT_TOKEN, password: 'an openapi reset passphrase' } },
    'post /api/auth/password/change': {
      headers: asMember(changerToken),
      body: { currentPassword: MEMBER_PASSWORD, newPassword: 'a changed openapi passphrase' },
    },
    'delete /api/auth/sessions/{id}': { path: `/api/auth/sessions/${ender.otherSessionId}`, headers: asMember(ender.token) },
    'post /api/auth/logout-all': { headers: asMember(leaverToken) },
    'post /api/auth/login/mfa': { body: mfaLogin },
    'post /api/auth/mfa/totp/setup': { headers: asMember(setupToken) },
    'post /api/auth/mfa/totp/confirm': { headers: asMember(confirmer.token), body: { code: totpCode(confirmer.secret, totpStep(Date.now())) } },
    'delete /api/auth/mfa/totp': { headers: asMember(removerToken), body: { password: MEMBER_PASSWORD } },
    'post /api/auth/passkeys/register/options': { status: 200 },
    'post /api/auth/passkeys/register/verify': {
      headers: asMember(passkeyRegistration.token),
      body: { response: passkeyRegistration.response, name: 'Spec key' },
      status: 201,
    },
    'get /api/auth/passkeys': { status: 200 },
    'delete /api/auth/passkeys/{id}': { path: `/api/auth/passkeys/${passkeyRemoval.passkeyId}`, headers: asMember(passkeyRemoval.token), status: 204 },
    'post /api/auth/passkeys/login/options': { status: 200 },
    'post /api/auth/passkeys/login/verify': { body: passkeySignIn, status: 200 },
    'put /api/user/profile': { body: { name: 'Spec Checker' } },
    'post /api/auth/token': { form: { grant_type: 'client_credentials' }, headers: { authorization: basic } },
    'post /api/admin/clients': { body: { name: 'Spec client', scopes: ['users:read'], roles: [] } },
    'delete /api/admin/clients/{id}': { path: `/api/admin/clients/${doomedClientId}` },
    'get /api/admin/audit': { path: '/api/admin/audit?action=login&limit=5', status: 200 },
  };
  return { path: concrete, ...examples[`${method} ${path}`] };
}

/** Operations whose only way in is a Bearer access token. */
const bearerOnly = (operation: Operation) => operation.security?.length === 1 && Object.keys(operation.security[0]!).join() === 'bearer';

function schemaOf(operation: Operation, status: string): Schema | undefined {
  const response = operation.responses[status];
  const resolved = response?.$ref ? spec.components.responses[response.$ref.split('/').pop()!] : response;
  const content = resolved?.content && Object.values(resolved.content)[0];
  const schema = content?.schema;
  return schema?.$ref ? spec.components.schemas[schema.$ref.split('/').pop()!] : schema;
}

const operations = Object.entries(spec.paths).flatMap(([path, item]) =>
  Object.entries(item)
    .filter(([method]) => METHODS.includes(method))
    .map(([method, operation]) => [path, method, operation] as const),
);

describe('openapi.yaml against the running system', () => {
  it('is OpenAPI 3.1 and documents every public route family', () => {
    expect(spec.openapi).toBe('3.1.0');
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining([
        '/api/auth/login',
        '/api/auth/login/mfa',
        '/api/auth/mfa/totp/setup',
        '/api/auth/mfa/totp/confirm',
        '/api/auth/mfa/totp',
        '/api/user/profile',
        '/api/admin/users',
        '/.well-known/jwks.json',
        '/api/auth/token',
        '/api/admin/clients',
        '/api/admin/audit',
        '/api/auth/passkeys',
        '/api/auth/passkeys/{id}',
        '/api/auth/passkeys/register/options',
        '/api/auth/passkeys/register/verify',
        '/api/auth/passkeys/login/options',
        '/api/auth/passkeys/login/verify',
      ]),
    );
  });

  it.each(operations)('%s %s answers with a documented status and shape', async (path, method, operation) => {
    const request = exampleRequest(path, method);
    const { headers, body } = encoded(request);
    const response = await fetch(`${system.gateway.url}${request.path}`, {
      method: method.toUpperCase(),
      headers: { authorization: `Bearer ${adminToken}`, ...headers, ...request.headers },
      body,
    });
    const status = String(response.status);
    expect(Object.keys(operation.responses)).toContain(status);
    if (request.status !== undefined) expect(response.status).toBe(request.status);
    const text = await response.text();
    expect(text).not.toContain('"code":"not_found","detail":"No route');
    const schema = schemaOf(operation, status);
    if (response.status < 300 && schema?.required && text) {
      const body = JSON.parse(text) as Record<string, unknown>;
      for (const field of schema.required) expect(body).toHaveProperty(field);
    }
  });

  it.each(operations.filter(([, , op]) => bearerOnly(op)))('%s %s without an access token answers a documented 401', async (path, method, operation) => {
    const request = exampleRequest(path, method);
    const { headers, body } = encoded(request);
    const response = await fetch(`${system.gateway.url}${request.path}`, { method: method.toUpperCase(), headers, body });
    expect(response.status).toBe(401);
    expect(Object.keys(operation.responses)).toContain('401');
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
  });

  it.each(
    operations
      .filter(([, , op]) => !op.tags?.includes('operations'))
      .map(([path]) => path)
      .filter((p, i, all) => all.indexOf(p) === i),
  )('%s refuses undocumented methods with 405', async (path) => {
    const documented = Object.keys(spec.paths[path]!);
    for (const method of METHODS.filter((m) => !documented.includes(m))) {
      const response = await fetch(`${system.gateway.url}${path.replace('{id}', randomUUID())}`, {
        method: method.toUpperCase(),
        headers: { authorization: `Bearer ${adminToken}` },
      });
      expect({ method, status: response.status }).toEqual({ method, status: 405 });
    }
  });
});
