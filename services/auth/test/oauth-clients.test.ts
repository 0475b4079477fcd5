import { createHash } from 'node:crypto';
import { CLIENT_ID_PATTERN } from '@gatehouse/events';
import { eventually, registerAndLogin, startAuth, type AuthHarness } from './auth-harness';
import { byBasic, createClient, expectOAuthError, READER, signInAdmin, withBearer, type CreatedClient, type TokenBody } from './oauth-client-fixtures';

let harness: AuthHarness;
beforeAll(async () => {
  harness = await startAuth('clients', { TRUST_PROXY_HOPS: '1', LOGIN_IP_LIMIT: '1000', OAUTH_SCOPES: 'users:read users:write reports:read' });
});
afterAll(() => harness.close());

const clientCount = async (on = harness) => (await on.pool.query('SELECT 1 FROM oauth_clients')).rowCount;

describe('POST /api/admin/clients', () => {
  it('when an admin creates a client, then 201 shows the secret once, uncached, and the table holds only its SHA-256', async () => {
    const by = await signInAdmin(harness);
    const response = await withBearer(harness, by.accessToken, 'POST', '/api/admin/clients', READER);
    expect(response.status).toBe(201);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const created = (await response.json()) as CreatedClient;
    expect(Object.keys(created)).toEqual(['clientId', 'clientSecret', 'name', 'scopes', 'roles', 'createdAt']);
    expect(created).toMatchObject({ name: READER.name, scopes: READER.scopes, roles: READER.roles });
    expect(created.clientId).toMatch(CLIENT_ID_PATTERN);
    expect(created.clientSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const { rows } = await harness.pool.query<{ row: string; secret_digest: Buffer; created_by: string }>(
      'SELECT t::text AS row, secret_digest, created_by FROM oauth_clients t WHERE client_id = $1',
      [created.clientId],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]!.row).not.toContain(created.clientSecret);
    expect(rows[0]!.secret_digest.equals(createHash('sha256').update(created.clientSecret).digest())).toBe(true);
    expect(rows[0]!.created_by).toBe(by.user.id);
    expect(harness.logs.lines().some((l) => l.msg === 'oauth client created' && l.clientId === created.clientId && l.createdBy === by.user.id)).toBe(true);
    expect(harness.logs.text()).not.toContain(created.clientSecret);
  });

  it.each([
    ['a scope not offered', { ...READER, scopes: ['users:delete'] }, 'scopes.0', 'scopes[0]'],
    ['a scope twice', { ...READER, scopes: ['users:read', 'users:read'] }, 'scopes.1', 'scopes[1]'],
    ['a malformed role', { ...READER, roles: ['Admin'] }, 'roles.0', 'roles[0]'],
    ['too many roles', { ...READER, roles: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'] }, 'roles', 'roles'],
    ['an empty name', { ...READER, name: '  ' }, 'name', 'name'],
    ['a name with a line break', { ...READER, name: 'job\nforged log line' }, 'name', 'name'],
    ['a name too long', { ...READER, name: 'x'.repeat(101) }, 'name', 'name'],
    ['no scopes', { name: 'job', roles: [] }, 'scopes', 'scopes'],
    ['a field of its own', { ...READER, clientSecret: 'mine' }, 'clientSecret', 'clientSecret'],
  ])('when the body has %s, then 400 names the field and nothing is created', async (_case, body, path, label) => {
    const by = await signInAdmin(harness);
    const before = await clientCount();
    const response = await withBearer(harness, by.accessToken, 'POST', '/api/admin/clients', body);
    expect(response.status).toBe(400);
    const problem = (await response.json()) as { code: string; errors: { path: string; message: string }[] };
    expect(problem.code).toBe('validation_failed');
    expect(problem.errors).toContainEqual({ path, message: expect.stringContaining(`"${label}"`) });
    expect(await clientCount()).toBe(before);
  });

  it('when a signed-in user without the admin role asks, then 403 and nothing is created', async () => {
    const { body: user } = await registerAndLogin(harness);
    const before = await clientCount();
    const created = await withBearer(harness, user.accessToken, 'POST', '/api/admin/clients', READER);
    expect(created.status).toBe(403);
    expect(await created.json()).toMatchObject({ code: 'forbidden' });
    expect((await withBearer(harness, user.accessToken, 'GET', '/api/admin/clients')).status).toBe(403);
    expect(await clientCount()).toBe(before);
  });

  it('when a service token is presented, even one with the admin role, then 403 on every client route', async () => {
    const powerful = await createClient(harness, await signInAdmin(harness), { name: 'powerful', scopes: ['users:read'], roles: ['admin'] });
    const { access_token: serviceToken } = (await (await byBasic(harness, powerful)).json()) as TokenBody;
    expect((await withBearer(harness, serviceToken, 'GET', '/api/admin/clients')).status).toBe(403);
    expect((await withBearer(harness, serviceToken, 'POST', '/api/admin/clients', READER)).status).toBe(403);
    expect((await withBearer(harness, serviceToken, 'DELETE', `/api/admin/clients/${powerful.clientId}`)).status).toBe(403);
    expect((await harness.pool.query('SELECT 1 FROM oauth_clients WHERE client_id = $1', [powerful.clientId])).rowCount).toBe(1);
  });

  it("when there is no token, or the admin's session has ended, then 401", async () => {
    expect((await fetch(`${harness.url}/api/admin/clients`)).status).toBe(401);
    const by = await signInAdmin(harness);
    expect((await withBearer(harness, by.accessToken, 'GET', '/api/admin/clients')).status).toBe(200);
    expect((await by.browser.logout()).status).toBe(204);
    const ended = await withBearer(harness, by.accessToken, 'GET', '/api/admin/clients');
    expect(ended.status).toBe(401);
    expect(await ended.json()).toMatchObject({ code: 'token_invalid' });
  });
});

describe('GET /api/admin/clients', () => {
  it('when an admin lists the clients, then each shows its id, name, scopes, roles and creation time, never a secret or digest', async () => {
    const by = await signInAdmin(harness);
    const created = await createClient(harness, by);
    const response = await withBearer(harness, by.accessToken, 'GET', '/api/admin/clients');
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const text = await response.text();
    expect(text).not.toContain(created.clientSecret);
    expect(text).not.toMatch(/secret|digest/i);
    const { clients } = JSON.parse(text) as { clients: Record<string, unknown>[] };
    expect(clients.find((c) => c.clientId === created.clientId)).toEqual({
      clientId: created.clientId,
      name: READER.name,
      scopes: READER.scopes,
      roles: READER.roles,
      createdAt: created.createdAt,
    });
  });
});

describe('DELETE /api/admin/clients/:id', () => {
  it('when an admin deletes a client, then 204, its secret stops working at once and client.deleted is in the outbox and published', async () => {
    const by = await signInAdmin(harness);
    const client = await createClient(harness, by);
    expect((await byBasic(harness, client)).status).toBe(200);

    const response = await withBearer(harness, by.accessToken, 'DELETE', `/api/admin/clients/${client.clientId}`);

    expect(response.status).toBe(204);
    const after = await byBasic(harness, client);
    expect(after.headers.get('www-authenticate')).toBe('Basic realm="gatehouse"');
    await expectOAuthError(after, 401, 'invalid_client');
    const { rows } = await harness.pool.query<{ envelope: { payload: { clientId: string } } }>("SELECT envelope FROM outbox WHERE name = 'client.deleted'");
    expect(rows.map((r) => r.envelope.payload.clientId)).toContain(client.clientId);
    expect(await eventually(() => harness.events.named('client.deleted').some((e) => e.payload.clientId === client.clientId))).toBe(true);
    expect(harness.logs.lines().some((l) => l.msg === 'oauth client deleted' && l.clientId === client.clientId && l.deletedBy === by.user.id)).toBe(true);
  });

  it('when the id is unknown, then 404 problem+json; when it is not a client id, then 400 naming it', async () => {
    const by = await signInAdmin(harness);
    const unknown = await withBearer(harness, by.accessToken, 'DELETE', `/api/admin/clients/svc_${'B'.repeat(22)}`);
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(await unknown.json()).toMatchObject({ code: 'not_found' });
    const malformed = await withBearer(harness, by.accessToken, 'DELETE', '/api/admin/clients/not-a-client');
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { errors: { path: string }[] }).errors).toEqual([{ path: 'id', message: '"id" is not a client id' }]);
  });
});

describe('the number of clients', () => {
  const MAX_CLIENTS = 2;
  let capped: AuthHarness;
  beforeAll(async () => {
    capped = await startAuth('clients_cap', { OAUTH_CLIENTS_LIMIT: String(MAX_CLIENTS) });
  });
  afterAll(() => capped.close());

  it('when admins create clients in parallel past the limit, then exactly the limit is created and the rest get 409', async () => {
    const by = await signInAdmin(capped);
    const answers = await Promise.all(Array.from({ length: MAX_CLIENTS + 3 }, () => withBearer(capped, by.accessToken, 'POST', '/api/admin/clients', READER)));
    expect(answers.filter((r) => r.status === 201)).toHaveLength(MAX_CLIENTS);
    const refused = answers.filter((r) => r.status === 409);
    expect(refused).toHaveLength(3);
    expect(refused[0]!.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(await refused[0]!.json()).toMatchObject({ status: 409, code: 'client_limit_reached' });
    expect(await clientCount(capped)).toBe(MAX_CLIENTS);
  });
});
