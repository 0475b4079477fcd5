import { randomUUID } from 'node:crypto';
import { Client as PgClient } from 'pg';
import { grantDataRights } from '@gatehouse/db';
import { uniqueName } from '@gatehouse/testing';
import { registerAndLogin, startAuth, type AuthHarness } from './auth-harness';
import { byBasic, createClient, signInAdmin, withBearer, type TokenBody } from './oauth-client-fixtures';

let harness: AuthHarness;
let adminToken: string;
beforeAll(async () => {
  harness = await startAuth('audit_query', { LOGIN_IP_LIMIT: '1000' });
  adminToken = (await signInAdmin(harness)).accessToken;
});
afterAll(() => harness.close());

interface AuditPage {
  events: { id: string; time: string; action: string; outcome: string; subject: string | null; reason: string | null; actor: unknown }[];
  nextCursor: string | null;
}

/** Records written straight to the table, oldest first: the arrangement of a read-path test. */
async function insertRecords(subject: string, actions: string[], daysAgo = 0): Promise<void> {
  for (const action of actions) {
    await harness.pool.query(
      `INSERT INTO audit_log (occurred_at, action, outcome, subject, reason) VALUES (now() - make_interval(days => $1), $2, 'failure', $3, 'invalid_credentials')`,
      [daysAgo, action, subject],
    );
  }
}

/** A connection to this file's database as `role` (the test server trusts local logins). */
async function connectAs(role: string): Promise<PgClient> {
  const url = new URL(harness.config.DATABASE_URL);
  url.username = role;
  url.password = '';
  const client = new PgClient({ connectionString: url.toString() });
  await client.connect();
  return client;
}

/**
 * Runs `use` on a connection as a fresh login role (the runtime role's grants when `runtime`, and
 * any extra `grant` statement), then drops the role and what it owns.
 */
async function asRole(prefix: string, options: { runtime?: boolean; grant?: string }, use: (client: PgClient) => Promise<void>): Promise<void> {
  const role = uniqueName(prefix);
  await harness.pool.query(`CREATE ROLE ${role} LOGIN`);
  try {
    if (options.runtime) await grantDataRights(harness.pool, role);
    if (options.grant) await harness.pool.query(`${options.grant} TO ${role}`);
    const client = await connectAs(role);
    try {
      await use(client);
    } finally {
      await client.end();
    }
  } finally {
    await harness.pool.query(`DROP OWNED BY ${role}`);
    await harness.pool.query(`DROP ROLE ${role}`);
  }
}

const audit = (query: string, token = adminToken) => withBearer(harness, token, 'GET', `/api/admin/audit${query}`);

describe('GET /api/admin/audit', () => {
  it('when an admin pages through a subject, then newest first, and nextCursor as before leads to the next page until null', async () => {
    const subject = randomUUID();
    await insertRecords(subject, ['login', 'logout', 'login', 'session_end', 'login']);
    const first = await audit(`?subject=${subject}&limit=2`);
    expect(first.status).toBe(200);
    expect(first.headers.get('cache-control')).toBe('no-store');
    const one = (await first.json()) as AuditPage;
    expect(one.events.map((e) => e.action)).toEqual(['login', 'session_end']);
    expect(one.events[0]).toMatchObject({ outcome: 'failure', subject, reason: 'invalid_credentials', actor: null });
    const two = (await (await audit(`?subject=${subject}&limit=2&before=${one.nextCursor}`)).json()) as AuditPage;
    expect(two.events.map((e) => e.action)).toEqual(['login', 'logout']);
    const three = (await (await audit(`?subject=${subject}&limit=2&before=${two.nextCursor}`)).json()) as AuditPage;
    expect(three).toMatchObject({ events: [{ action: 'login' }], nextCursor: null });
    const ids = [...one.events, ...two.events, ...three.events].map((e) => BigInt(e.id));
    expect(ids).toEqual([...ids].sort((a, b) => (a > b ? -1 : 1)));
  });

  it('when filtered by action, then only that action comes back', async () => {
    const subject = randomUUID();
    await insertRecords(subject, ['login', 'logout', 'login']);
    const page = (await (await audit(`?subject=${subject}&action=logout`)).json()) as AuditPage;
    expect(page.events.map((e) => e.action)).toEqual(['logout']);
    const logins = (await (await audit(`?action=login&limit=200`)).json()) as AuditPage;
    expect(logins.events.length).toBeGreaterThan(0);
    expect(logins.events.every((e) => e.action === 'login')).toBe(true);
  });

  it('when records are written through the API, then the admin reads them back with the documented fields', async () => {
    const { body } = await registerAndLogin(harness);
    await harness.auth.audit.flush();
    const page = (await (await audit(`?subject=${body.user.id}`)).json()) as AuditPage;
    expect(page.events.map((e) => e.action)).toEqual(['login', 'register']);
    expect(Object.keys(page.events[0]!)).toEqual([
      'id',
      'time',
      'action',
      'outcome',
      'actor',
      'subject',
      'reason',
      'clientPrefix',
      'userAgent',
      'requestId',
      'traceId',
    ]);
    expect(page.events[0]).toMatchObject({ outcome: 'success', actor: { kind: 'user', id: body.user.id }, clientPrefix: '127.0.0.0/24' });
  });

  it.each([
    ['an unknown parameter', '?who=me', 'who'],
    ['a limit of 0', '?limit=0', 'limit'],
    ['a limit over 200', '?limit=201', 'limit'],
    ['an action not in the list', '?action=drop_table', 'action'],
    ['a cursor that is no record id', '?before=abc', 'before'],
    ['a cursor past the largest bigint', '?before=9999999999999999999', 'before'],
    ['a cursor one past the largest bigint', '?before=9223372036854775808', 'before'],
  ])('when the query has %s, then 400 names the field', async (_case, query, path) => {
    const response = await audit(query);
    expect(response.status).toBe(400);
    const problem = (await response.json()) as { code: string; errors: { path: string }[] };
    expect(problem.code).toBe('validation_failed');
    expect(problem.errors.map((e) => e.path)).toContain(path);
  });

  it('when a user without the admin role or a service token (even with the admin role) asks, then 403; without a token 401', async () => {
    const { body } = await registerAndLogin(harness);
    expect((await audit('', body.accessToken)).status).toBe(403);
    const powerful = await createClient(harness, await signInAdmin(harness), { name: 'auditor', scopes: ['users:read'], roles: ['admin'] });
    const { access_token: serviceToken } = (await (await byBasic(harness, powerful)).json()) as TokenBody;
    expect((await audit('', serviceToken)).status).toBe(403);
    expect((await fetch(`${harness.url}/api/admin/audit`)).status).toBe(401);
  });

  it('when anything but GET is tried, then nothing in the API changes or removes a record', async () => {
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) expect((await withBearer(harness, adminToken, method, '/api/admin/audit')).status).toBe(405);
  });
});

describe('audit_log at the database', () => {
  it('when the runtime role tries to UPDATE, DELETE or TRUNCATE records, then permission is denied; INSERT and SELECT work', async () => {
    await asRole('audit_runtime', { runtime: true }, async (asRuntime) => {
      await asRuntime.query(`INSERT INTO audit_log (occurred_at, action, outcome) VALUES (now(), 'login', 'success')`);
      expect((await asRuntime.query('SELECT 1 FROM audit_log LIMIT 1')).rowCount).toBe(1);
      for (const statement of [`UPDATE audit_log SET reason = 'forged'`, 'DELETE FROM audit_log', 'TRUNCATE audit_log']) {
        await expect(asRuntime.query(statement)).rejects.toMatchObject({ code: '42501' });
      }
      // The prune function is the only way out, and it refuses a retention shorter than the floor.
      await expect(asRuntime.query('SELECT prune_audit_log(1, 1000)')).rejects.toMatchObject({ code: '22023' });
    });
  });

  it('when a role without the grant calls prune_audit_log, then permission is denied: PUBLIC may not execute it', async () => {
    await asRole('audit_stranger', {}, async (asStranger) => {
      await expect(asStranger.query('SELECT prune_audit_log(90, 1000)')).rejects.toMatchObject({ code: '42501' });
    });
  });

  it('when the runtime role prunes below the floor, or tries to change the floor, then it is refused; a longer retention leaves the floor where it is', async () => {
    try {
      await asRole('audit_runtime', { runtime: true }, async (asRuntime) => {
        // The floor is the configured retention's default, 90 days, not 7.
        await expect(asRuntime.query('SELECT prune_audit_log(89, 1000)')).rejects.toMatchObject({ code: '22023' });
        for (const statement of [
          'SELECT * FROM audit_log_settings',
          'UPDATE audit_log_settings SET min_retention_days = 7',
          'DELETE FROM audit_log_settings',
        ]) {
          await expect(asRuntime.query(statement)).rejects.toMatchObject({ code: '42501' });
        }
        // A caller that could raise the floor could stop every later prune at the configured retention.
        await asRuntime.query('SELECT prune_audit_log(36500, 1000)');
        await asRuntime.query('SELECT prune_audit_log(90, 1000)');
        const { rows } = await harness.pool.query<{ min_retention_days: number }>('SELECT min_retention_days FROM audit_log_settings');
        expect(rows).toEqual([{ min_retention_days: 90 }]);
      });
    } finally {
      // Only the owner moves the floor (README, "Audit log").
      await harness.pool.query('UPDATE audit_log_settings SET min_retention_days = 90');
    }
  });

  it('when a role holds UPDATE by mistake and shadows pg_class with a temporary table, then the trigger still refuses it', async () => {
    // The "broader grant" the trigger exists for.
    await asRole('audit_shadow', { runtime: true, grant: 'GRANT UPDATE, DELETE ON audit_log' }, async (shadowing) => {
      await shadowing.query('CREATE TEMP TABLE pg_class (oid oid, relowner oid)');
      await shadowing.query(`INSERT INTO pg_class SELECT 'audit_log'::regclass, oid FROM pg_catalog.pg_roles WHERE rolname = current_user`);
      await expect(shadowing.query("UPDATE audit_log SET reason = 'forged'")).rejects.toMatchObject({ code: '42501' });
      await expect(shadowing.query('DELETE FROM audit_log')).rejects.toMatchObject({ code: '42501' });
    });
  });

  it('when retention prunes, then only records older than AUDIT_RETENTION_DAYS go', async () => {
    const subject = randomUUID();
    await insertRecords(subject, ['login', 'logout'], 91);
    await insertRecords(subject, ['session_end'], 89);
    expect(harness.config.AUDIT_RETENTION_DAYS).toBe(90);
    expect(await harness.auth.audit.prune()).toBeGreaterThanOrEqual(2);
    const { rows } = await harness.pool.query<{ action: string }>('SELECT action FROM audit_log WHERE subject = $1', [subject]);
    expect(rows.map((r) => r.action)).toEqual(['session_end']);
  });
});
