import { SoftwareAuthenticator, totpCode, totpStep, wrongTotpCode } from '@gatehouse/testing';
import { Client, PASSWORD, registerAndLogin, startAuth, type AuthHarness } from './auth-harness';

/** The service's relying party: development's defaults. */
const ORIGIN = 'http://localhost:8080';

let harness: AuthHarness;
beforeAll(async () => {
  harness = await startAuth('audit_sign_in', { LOGIN_IP_LIMIT: '1000', REGISTER_IP_LIMIT: '1000' });
});
afterAll(() => harness.close());

interface Row {
  action: string;
  outcome: string;
  actor_kind: string | null;
  actor_id: string | null;
  subject: string | null;
  reason: string | null;
  row: string;
}

async function records(where: 'subject' | 'request_id', value: string): Promise<Row[]> {
  await harness.auth.audit.flush();
  const { rows } = await harness.pool.query<Row>(`SELECT t.*, t::text AS row FROM audit_log t WHERE ${where} = $1 ORDER BY id`, [value]);
  return rows;
}

const summary = (rows: Row[]) => rows.map((r) => [r.action, r.outcome, r.actor_id, r.reason]);
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const api = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
  new Client(harness.url).request(method, path, body, headers);
const step = () => totpStep(harness.now());

/** Moves the clock to 5 s into a step, so no step boundary falls inside a test's few requests. */
function alignToStep(): void {
  harness.advance(30_000 - (harness.now() % 30_000) + 5_000);
}

async function mfaToken(address: string): Promise<string> {
  const response = await api('POST', '/api/auth/login', { email: address, password: PASSWORD });
  expect(response.status).toBe(200);
  return ((await response.json()) as { mfaToken: string }).mfaToken;
}

async function passkeyLogin(
  device: SoftwareAuthenticator,
  overrides: Parameters<SoftwareAuthenticator['assert']>[1] = {},
  headers: Record<string, string> = {},
): Promise<Response> {
  const client = new Client(harness.url, headers);
  const options = await client.post('/api/auth/passkeys/login/options');
  return client.post('/api/auth/passkeys/login/verify', { response: device.assert((await options.json()) as { challenge: string; rpId: string }, overrides) });
}

describe('audit records of second factors', () => {
  it('when a user sets up an authenticator app, signs in with it and removes it, each once wrongly, then every step is recorded and the waiting password step is not', async () => {
    alignToStep();
    const { body, email } = await registerAndLogin(harness);
    const userId = body.user.id;
    const setup = await api('POST', '/api/auth/mfa/totp/setup', undefined, bearer(body.accessToken));
    const { secret } = (await setup.json()) as { secret: string };
    expect((await api('POST', '/api/auth/mfa/totp/confirm', { code: wrongTotpCode(secret, step()) }, bearer(body.accessToken))).status).toBe(400);
    expect((await api('POST', '/api/auth/mfa/totp/confirm', { code: totpCode(secret, step()) }, bearer(body.accessToken))).status).toBe(200);
    harness.advance(30_000);
    const token = await mfaToken(email);
    const wrong = wrongTotpCode(secret, step());
    expect((await api('POST', '/api/auth/login/mfa', { mfaToken: token, code: wrong })).status).toBe(401);
    expect((await api('POST', '/api/auth/login/mfa', { mfaToken: token, code: totpCode(secret, step()) })).status).toBe(200);
    expect((await api('DELETE', '/api/auth/mfa/totp', { password: 'not the password at all' }, bearer(body.accessToken))).status).toBe(400);
    expect((await api('DELETE', '/api/auth/mfa/totp', { password: PASSWORD }, bearer(body.accessToken))).status).toBe(204);

    const rows = await records('subject', userId);
    expect(summary(rows)).toEqual([
      ['register', 'success', userId, null],
      ['login', 'success', userId, null],
      ['mfa_enroll', 'failure', userId, 'validation_failed'],
      ['mfa_enroll', 'success', userId, null],
      // The password step answered mfa_required: not an outcome yet. A wrong code has no actor.
      ['login', 'failure', null, 'mfa_code_invalid'],
      ['login', 'success', userId, null],
      ['mfa_remove', 'failure', userId, 'validation_failed'],
      ['mfa_remove', 'success', userId, null],
    ]);
    expect(rows.every((r) => !r.row.includes(secret) && !r.row.includes(PASSWORD))).toBe(true);
  });

  it('when the second step names no pending login, then its failure is recorded without a subject', async () => {
    const requestId = `audit-mfa-${Date.now()}`;
    const response = await api('POST', '/api/auth/login/mfa', { mfaToken: 'x'.repeat(43), code: '123456' }, { 'x-request-id': requestId });
    expect(response.status).toBe(401);

    expect(await records('request_id', requestId)).toMatchObject([
      { action: 'login', outcome: 'failure', subject: null, actor_kind: null, reason: 'mfa_token_invalid' },
    ]);
  });
});

describe('audit records of passkeys', () => {
  it('when a user registers a passkey, signs in with it, is refused once and removes it, then each is recorded under the owner', async () => {
    const { body } = await registerAndLogin(harness);
    const userId = body.user.id;
    const device = SoftwareAuthenticator.create({ origin: ORIGIN });
    const options = await api('POST', '/api/auth/passkeys/register/options', undefined, bearer(body.accessToken));
    const registered = await api(
      'POST',
      '/api/auth/passkeys/register/verify',
      { response: device.register((await options.json()) as never) },
      bearer(body.accessToken),
    );
    expect(registered.status).toBe(201);
    const { id: passkeyId } = (await registered.json()) as { id: string };
    expect((await passkeyLogin(device)).status).toBe(200);
    expect((await passkeyLogin(device, { userVerified: false })).status).toBe(401);
    expect((await api('DELETE', `/api/auth/passkeys/${passkeyId}`, undefined, bearer(body.accessToken))).status).toBe(204);

    expect(summary((await records('subject', userId)).slice(2))).toEqual([
      ['passkey_register', 'success', userId, null],
      ['login', 'success', userId, null],
      ['login', 'failure', null, 'passkey_invalid'],
      ['passkey_remove', 'success', userId, null],
    ]);
  });

  it('when the passkey is unknown, then the refusal is recorded without a subject', async () => {
    const requestId = `audit-passkey-${Date.now()}`;
    expect((await passkeyLogin(SoftwareAuthenticator.create({ origin: ORIGIN }), {}, { 'x-request-id': requestId })).status).toBe(401);

    expect(await records('request_id', requestId)).toMatchObject([
      { action: 'login', outcome: 'failure', subject: null, actor_kind: null, reason: 'passkey_invalid' },
    ]);
  });
});
