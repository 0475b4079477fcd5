import { createEvent } from '@gatehouse/events';
import { Client, email, eventually, PASSWORD, registerAndLogin, startAuth, type AuthHarness } from './auth-harness';
import { createClient, signInAdmin, withBearer } from './oauth-client-fixtures';

let harness: AuthHarness;
beforeAll(async () => {
  harness = await startAuth('audit_records', {
    TRUST_PROXY_HOPS: '1',
    LOGIN_IP_LIMIT: '1000',
    REFRESH_REUSE_GRACE_SECONDS: '3',
    REFRESH_SESSION_LIMIT: '1000',
  });
});
afterAll(() => harness.close());

interface Row {
  action: string;
  outcome: string;
  actor_kind: string | null;
  actor_id: string | null;
  subject: string | null;
  client_prefix: string | null;
  user_agent: string | null;
  request_id: string | null;
  trace_id: string | null;
  reason: string | null;
  row: string;
}

/** The records about `subject`, oldest first, after the writer flushed its buffer. */
async function recordsAbout(subject: string): Promise<Row[]> {
  await harness.auth.audit.flush();
  const { rows } = await harness.pool.query<Row>('SELECT t.*, client_prefix::text, t::text AS row FROM audit_log t WHERE subject = $1 ORDER BY id', [subject]);
  return rows;
}

const actions = async (subject: string) => (await recordsAbout(subject)).map((r) => `${r.action}:${r.outcome}`);

const LONG_AGENT = `Mozilla/5.0 ${'x'.repeat(400)}`;

describe('audit records', () => {
  it('when a user registers, fails a login, signs in and logs out, then each leaves a record with the request facts and no password', async () => {
    const from = { 'x-forwarded-for': '203.0.113.77', 'user-agent': LONG_AGENT, 'x-request-id': 'audit-req-1' };
    const address = email('audited');
    const client = new Client(harness.url, from);
    const registered = await client.post('/api/auth/register', { email: address, password: PASSWORD });
    const { id } = (await registered.json()) as { id: string };
    const wrong = 'not the password at all 123';
    expect((await client.post('/api/auth/login', { email: address, password: wrong })).status).toBe(401);
    expect((await client.post('/api/auth/login', { email: address, password: PASSWORD })).status).toBe(200);
    expect((await client.logout()).status).toBe(204);

    const rows = await recordsAbout(id);
    expect(rows.map((r) => [r.action, r.outcome, r.reason])).toEqual([
      ['register', 'success', null],
      ['login', 'failure', 'invalid_credentials'],
      ['login', 'success', null],
      ['logout', 'success', null],
    ]);
    for (const row of rows) {
      expect(row).toMatchObject({ client_prefix: '203.0.113.0/24', request_id: 'audit-req-1', trace_id: null });
      expect(row.user_agent).toBe(LONG_AGENT.slice(0, 256));
      expect(row.row).not.toContain(wrong);
      expect(row.row).not.toContain(PASSWORD);
      expect(row.row).not.toContain('203.0.113.77');
    }
    expect(rows.filter((r) => r.outcome === 'success').every((r) => r.actor_kind === 'user' && r.actor_id === id)).toBe(true);
    // Nobody proved who they were: a failure has no actor.
    expect(rows[1]).toMatchObject({ actor_kind: null, actor_id: null });
  });

  it('when the client connects over IPv6, then only its /48 is kept', async () => {
    const address = email('v6');
    await new Client(harness.url, { 'x-forwarded-for': '2001:db8:abcd:12::1' }).post('/api/auth/register', { email: address, password: PASSWORD });
    const { rows } = await harness.pool.query<{ id: string }>('SELECT id FROM credentials WHERE email = $1', [address]);
    expect((await recordsAbout(rows[0]!.id))[0]!.client_prefix).toBe('2001:db8:abcd::/48');
  });

  it('when a forwarded address is no IP address, then the record keeps no prefix, and it and every later record are written', async () => {
    const forged = email('forged-prefix');
    const { id: forgedId } = (await (
      await new Client(harness.url, { 'x-forwarded-for': 'evil/48' }).post('/api/auth/register', { email: forged, password: PASSWORD })
    ).json()) as { id: string };
    const { id: mappedId } = (await (
      await new Client(harness.url, { 'x-forwarded-for': '1.2.3.4/48' }).post('/api/auth/register', { email: email('v4-as-v6'), password: PASSWORD })
    ).json()) as {
      id: string;
    };
    const { id: laterId } = (await (
      await new Client(harness.url, { 'x-forwarded-for': '198.51.100.7' }).post('/api/auth/register', { email: email('after-forged'), password: PASSWORD })
    ).json()) as {
      id: string;
    };

    expect((await recordsAbout(forgedId)).map((r) => [r.action, r.client_prefix])).toEqual([['register', null]]);
    expect((await recordsAbout(mappedId)).map((r) => [r.action, r.client_prefix])).toEqual([['register', null]]);
    expect((await recordsAbout(laterId)).map((r) => [r.action, r.client_prefix])).toEqual([['register', '198.51.100.0/24']]);
  });

  it('when a rotated refresh token is replayed, then the reuse is recorded, and successful refreshes are not', async () => {
    const { client, body } = await registerAndLogin(harness);
    const thief = new Client(harness.url);
    for (const [k, v] of client.jar) thief.jar.set(k, v);
    expect((await client.refresh()).status).toBe(200);
    harness.advance(3_001);
    expect((await thief.refresh()).status).toBe(401);
    const rows = await recordsAbout(body.user.id);
    expect(rows.map((r) => `${r.action}:${r.outcome}`)).toEqual(['register:success', 'login:success', 'refresh_reuse:failure']);
    expect(rows[2]).toMatchObject({ reason: 'refresh_token_reused', actor_kind: null });
  });

  it('when a user ends a session, signs out everywhere and changes the password (once wrongly), then each is recorded', async () => {
    const { body } = await registerAndLogin(harness);
    const again = await new Client(harness.url).post('/api/auth/login', { email: body.user.email, password: PASSWORD });
    const { accessToken } = (await again.json()) as { accessToken: string };
    const sid = JSON.parse(Buffer.from(body.accessToken.split('.')[1]!, 'base64url').toString()).sid as string;
    expect((await withBearer(harness, accessToken, 'DELETE', `/api/auth/sessions/${sid}`)).status).toBe(204);
    const wrong = await withBearer(harness, accessToken, 'POST', '/api/auth/password/change', {
      currentPassword: 'wrong password entirely',
      newPassword: 'a new passphrase for audit',
    });
    expect(wrong.status).toBe(401);
    const changed = await withBearer(harness, accessToken, 'POST', '/api/auth/password/change', {
      currentPassword: PASSWORD,
      newPassword: 'a new passphrase for audit',
    });
    expect(changed.status).toBe(204);
    const fresh = await new Client(harness.url).post('/api/auth/login', { email: body.user.email, password: 'a new passphrase for audit' });
    const { accessToken: latest } = (await fresh.json()) as { accessToken: string };
    expect((await withBearer(harness, latest, 'POST', '/api/auth/logout-all', {})).status).toBe(204);

    const rows = await recordsAbout(body.user.id);
    expect(rows.slice(3).map((r) => [r.action, r.outcome, r.reason])).toEqual([
      ['session_end', 'success', null],
      ['password_change', 'failure', 'invalid_credentials'],
      ['password_change', 'success', null],
      ['login', 'success', null],
      ['session_end', 'success', null],
    ]);
    expect(rows.slice(3).every((r) => r.actor_kind === 'user' && r.actor_id === body.user.id)).toBe(true);
  });

  it('when a user verifies the email and resets the password, then both are recorded', async () => {
    const address = email('reset');
    const registered = await new Client(harness.url).post('/api/auth/register', { email: address, password: PASSWORD });
    const { id } = (await registered.json()) as { id: string };
    expect(await eventually(() => harness.events.named('user.registered').some((e) => e.payload.userId === id))).toBe(true);
    const { verificationToken } = harness.events.named('user.registered').find((e) => e.payload.userId === id)!.payload;
    expect((await new Client(harness.url).post('/api/auth/verify-email', { token: verificationToken })).status).toBe(200);
    expect((await new Client(harness.url).post('/api/auth/password/forgot', { email: address })).status).toBe(202);
    const resets = () => harness.events.named('user.password_reset_requested').filter((e) => e.payload.userId === id);
    expect(await eventually(() => resets().length > 0)).toBe(true);
    expect(
      (await new Client(harness.url).post('/api/auth/password/reset', { token: resets()[0]!.payload.resetToken, password: 'reset passphrase for audit' }))
        .status,
    ).toBe(204);

    expect(await actions(id)).toEqual(['register:success', 'email_verify:success', 'password_reset:success']);
  });

  it('when an admin creates and deletes a client, then both name the admin as actor and the client as subject', async () => {
    const admin = await signInAdmin(harness);
    const created = await createClient(harness, admin);
    expect((await withBearer(harness, admin.accessToken, 'DELETE', `/api/admin/clients/${created.clientId}`)).status).toBe(204);
    const rows = await recordsAbout(created.clientId);
    expect(rows.map((r) => [r.action, r.outcome, r.actor_kind, r.actor_id])).toEqual([
      ['client_create', 'success', 'admin', admin.user.id],
      ['client_delete', 'success', 'admin', admin.user.id],
    ]);
    expect(rows[0]!.row).not.toContain(created.clientSecret);
  });

  it('when user.deleted (v1) and then user.deletion_recorded naming the deleting admin arrive, then the deletion is recorded once, with that admin as actor', async () => {
    const { body } = await registerAndLogin(harness);
    const userId = body.user.id;
    const adminId = '0190a5c0-0000-7000-8000-00000000abcd';
    await harness.events.publish(createEvent('user.deleted', { userId }));
    expect(await eventually(async () => (await harness.pool.query('SELECT 1 FROM credentials WHERE id = $1', [userId])).rowCount === 0)).toBe(true);
    const recorded = createEvent('user.deletion_recorded', { userId, deletedBy: { kind: 'admin', id: adminId } });
    await harness.events.publish(recorded);
    await harness.events.publish(recorded);
    const handled = () => harness.logs.lines().filter((l) => l.msg === 'user.deletion_recorded handled' && l.eventId === recorded.id);
    expect(await eventually(() => handled().length === 2)).toBe(true);
    expect(handled().filter((l) => l.duplicate === true)).toHaveLength(1);
    const rows = (await recordsAbout(userId)).filter((r) => r.action === 'user_delete');
    expect(rows.map((r) => [r.outcome, r.actor_kind, r.actor_id, r.client_prefix])).toEqual([['success', 'admin', adminId, null]]);
  });

  it('when user.deletion_recorded names a service client, then the deletion is recorded with that client as actor', async () => {
    const { body } = await registerAndLogin(harness);
    const clientId = `svc_${'c'.repeat(22)}`;
    await harness.events.publish(createEvent('user.deletion_recorded', { userId: body.user.id, deletedBy: { kind: 'client', id: clientId } }));
    expect(await eventually(async () => (await actions(body.user.id)).includes('user_delete:success'))).toBe(true);
    const row = (await recordsAbout(body.user.id)).find((r) => r.action === 'user_delete')!;
    expect(row).toMatchObject({ actor_kind: 'client', actor_id: clientId });
  });
});
