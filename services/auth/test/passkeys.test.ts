import { randomBytes } from 'node:crypto';
import { createEvent } from '@gatehouse/events';
import { SoftwareAuthenticator, setCookies, totpCode, totpStep, type CeremonyOverrides } from '@gatehouse/testing';
import { Client, eventually, registerAndLogin, startAuth, type AuthHarness, type LoginBody } from './auth-harness';

const PASSKEYS_PER_USER_LIMIT = 3;
/** The service's relying party: development's defaults. */
const RP_ID = 'localhost';
const ORIGIN = 'http://localhost:8080';
const CHALLENGE_TTL_MS = 300_000;
/**
 * An ML-DSA-44 key in COSE (kty AKP 7, alg -48, 1,312 bytes): an algorithm Node 24 verifies and
 * Node 20 does not, so one the service must not offer or accept.
 */
const ML_DSA_44_KEY = new Map<number, number | Uint8Array>([
  [1, 7],
  [3, -48],
  [-1, randomBytes(1312)],
]);

let harness: AuthHarness;
beforeAll(async () => {
  harness = await startAuth('passkeys', { LOGIN_IP_LIMIT: '1000', REGISTER_IP_LIMIT: '1000', PASSKEYS_PER_USER_LIMIT: String(PASSKEYS_PER_USER_LIMIT) });
});
afterAll(() => harness.close());

interface CreationOptions {
  challenge: string;
  rp: { id: string; name: string };
  user: { id: string; name: string; displayName: string };
  pubKeyCredParams: { alg: number; type: string }[];
  excludeCredentials: { id: string; type: string }[];
  authenticatorSelection: { residentKey: string; requireResidentKey: boolean; userVerification: string };
  attestation: string;
  timeout: number;
}
interface RequestOptions {
  challenge: string;
  rpId: string;
  userVerification: string;
  allowCredentials?: unknown[];
}
interface StoredPasskey {
  id: string;
  name: string;
  createdAt: string;
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const claimsOf = (accessToken: string) =>
  JSON.parse(Buffer.from(accessToken.split('.')[1]!, 'base64url').toString()) as { amr: string[]; sid: string; sub: string };
const noticesFor = (userId: string) => harness.events.named('user.security_notice').filter((e) => e.payload.userId === userId);
const revokedFor = (userId: string) => harness.events.named('session.revoked').filter((e) => e.payload.userId === userId);
const api = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
  new Client(harness.url).request(method, path, body, headers);
const authenticator = (options: { backupEligible?: boolean; aaguid?: string; counter?: boolean } = {}) =>
  SoftwareAuthenticator.create({ origin: ORIGIN, ...options });

async function registrationOptions(accessToken: string): Promise<CreationOptions> {
  const response = await api('POST', '/api/auth/passkeys/register/options', undefined, bearer(accessToken));
  expect(response.status).toBe(200);
  return (await response.json()) as CreationOptions;
}

async function registerPasskey(
  accessToken: string,
  device: SoftwareAuthenticator,
  options: { name?: string; overrides?: CeremonyOverrides } = {},
): Promise<Response> {
  const creation = await registrationOptions(accessToken);
  const body = { response: device.register(creation, options.overrides), ...(options.name === undefined ? {} : { name: options.name }) };
  return api('POST', '/api/auth/passkeys/register/verify', body, bearer(accessToken));
}

async function loginOptions(client = new Client(harness.url)): Promise<RequestOptions> {
  const response = await client.post('/api/auth/passkeys/login/options');
  expect(response.status).toBe(200);
  return (await response.json()) as RequestOptions;
}

async function passkeyLogin(device: SoftwareAuthenticator, overrides: CeremonyOverrides = {}, client = new Client(harness.url)): Promise<Response> {
  const request = await loginOptions(client);
  return client.post('/api/auth/passkeys/login/verify', { response: device.assert(request, overrides) });
}

/** A password-signed-in user with one passkey registered. */
async function withPasskey(options: { backupEligible?: boolean; counter?: boolean } = {}) {
  const signedIn = await registerAndLogin(harness);
  const device = authenticator(options);
  const registered = await registerPasskey(signedIn.body.accessToken, device);
  expect(registered.status).toBe(201);
  return { ...signedIn, userId: signedIn.body.user.id, device, passkey: (await registered.json()) as StoredPasskey };
}

const listPasskeys = async (accessToken: string) =>
  (
    (await (await api('GET', '/api/auth/passkeys', undefined, bearer(accessToken))).json()) as {
      passkeys: { id: string; name: string; createdAt: string; lastUsedAt: string | null }[];
    }
  ).passkeys;

async function expectRefused(response: Response, status: number, code: string): Promise<void> {
  expect(response.status).toBe(status);
  expect(await response.json()).toMatchObject({ code });
  expect(setCookies(response)).toEqual({});
}

describe('registering a passkey', () => {
  it('when a signed-in user asks, then the options require a discoverable, user-verifying credential for this RP, with an opaque user handle and no attestation', async () => {
    const { body, email } = await registerAndLogin(harness);

    const response = await api('POST', '/api/auth/passkeys/register/options', undefined, bearer(body.accessToken));

    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const options = (await response.json()) as CreationOptions;
    expect(options).toMatchObject({
      rp: { id: RP_ID, name: 'Gatehouse' },
      user: { name: email, displayName: email },
      excludeCredentials: [],
      authenticatorSelection: { residentKey: 'required', requireResidentKey: true, userVerification: 'required' },
      attestation: 'none',
      timeout: CHALLENGE_TTL_MS,
    });
    expect(Buffer.from(options.user.id, 'base64url').toString('hex')).toBe(body.user.id.replace(/-/g, ''));
    expect(Buffer.from(options.challenge, 'base64url')).toHaveLength(32);
  });

  it('when the runtime verifies ML-DSA too (Node 24), then the options still offer only EdDSA, ES256 and RS256, which every supported Node verifies', async () => {
    const { body } = await registerAndLogin(harness);

    const options = await registrationOptions(body.accessToken);

    expect(options.pubKeyCredParams).toEqual([
      { alg: -8, type: 'public-key' },
      { alg: -7, type: 'public-key' },
      { alg: -257, type: 'public-key' },
    ]);
  });

  it('when the authenticator answers, then 201 names the passkey, the key and flags are stored, the owner is told, and the next options exclude it', async () => {
    const { body } = await registerAndLogin(harness);
    const device = authenticator();

    const response = await registerPasskey(body.accessToken, device);

    expect(response.status).toBe(201);
    const passkey = (await response.json()) as StoredPasskey;
    expect(passkey).toEqual({ id: expect.any(String), name: 'Passkey', createdAt: expect.any(String) });
    const { rows } = await harness.pool.query(
      'SELECT user_id, credential_id, sign_count, transports, backup_eligible, aaguid, last_used_at FROM passkeys WHERE id = $1',
      [passkey.id],
    );
    expect(rows).toEqual([
      {
        user_id: body.user.id,
        credential_id: device.credentialId,
        sign_count: '0',
        transports: ['internal'],
        backup_eligible: false,
        aaguid: '00000000-0000-0000-0000-000000000000',
        last_used_at: null,
      },
    ]);
    expect(await eventually(() => noticesFor(body.user.id).some((e) => e.payload.kind === 'passkey_added'))).toBe(true);
    expect((await registrationOptions(body.accessToken)).excludeCredentials).toEqual([{ id: device.id, type: 'public-key', transports: ['internal'] }]);
    expect(await listPasskeys(body.accessToken)).toEqual([{ ...passkey, lastUsedAt: null }]);
  });

  it('when a name is given it is kept, and without one a known provider names the passkey', async () => {
    const { body } = await registerAndLogin(harness);
    const named = await registerPasskey(body.accessToken, authenticator(), { name: '  Work laptop ' });
    const google = await registerPasskey(body.accessToken, authenticator({ aaguid: 'ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4' }));
    expect(((await named.json()) as StoredPasskey).name).toBe('Work laptop');
    expect(((await google.json()) as StoredPasskey).name).toBe('Google Password Manager');
  });

  it.each([
    ['another origin', { origin: 'https://evil.example' }],
    ['another RP ID', { rpId: 'evil.example' }],
    ['no user verification', { userVerified: false }],
    ['a sign-in ceremony type', { type: 'webauthn.get' }],
    ['a key of an algorithm not offered (ML-DSA-44)', { publicKey: ML_DSA_44_KEY }],
  ] as const)('when the registration comes from %s, then 400 names the response and nothing is stored', async (_case, overrides) => {
    const { body } = await registerAndLogin(harness);
    const response = await registerPasskey(body.accessToken, authenticator(), { overrides });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'validation_failed', errors: [{ path: 'response' }] });
    expect((await harness.pool.query('SELECT 1 FROM passkeys WHERE user_id = $1', [body.user.id])).rowCount).toBe(0);
  });

  it("when the answer is to another user's or another session's challenge, or to a sign-in challenge, then 400 passkey_challenge_invalid", async () => {
    const alice = await registerAndLogin(harness);
    const bob = await registerAndLogin(harness);
    const aliceAgain = (await new Client(harness.url)
      .post('/api/auth/login', { email: alice.email, password: 'correct horse battery staple' })
      .then((r) => r.json())) as LoginBody;
    const device = authenticator();

    const forBob = device.register(await registrationOptions(bob.body.accessToken));
    const forOtherSession = device.register(await registrationOptions(aliceAgain.accessToken));
    const signIn = await loginOptions();
    const forSignIn = device.register({ challenge: signIn.challenge, rp: { id: RP_ID }, user: { id: 'AAAA' } });

    for (const response of [forBob, forOtherSession, forSignIn]) {
      await expectRefused(
        await api('POST', '/api/auth/passkeys/register/verify', { response }, bearer(alice.body.accessToken)),
        400,
        'passkey_challenge_invalid',
      );
    }
  });

  it('when the account holds the limit, then options and verify answer 409 passkey_limit_reached', async () => {
    const { body } = await registerAndLogin(harness);
    const pending = await registrationOptions(body.accessToken);
    for (let i = 0; i < PASSKEYS_PER_USER_LIMIT; i++) expect((await registerPasskey(body.accessToken, authenticator())).status).toBe(201);

    await expectRefused(await api('POST', '/api/auth/passkeys/register/options', undefined, bearer(body.accessToken)), 409, 'passkey_limit_reached');
    const late = await api('POST', '/api/auth/passkeys/register/verify', { response: authenticator().register(pending) }, bearer(body.accessToken));
    await expectRefused(late, 409, 'passkey_limit_reached');
    expect((await listPasskeys(body.accessToken)).length).toBe(PASSKEYS_PER_USER_LIMIT);
  });

  it('when the request has no Bearer token, a malformed response or an unknown field, then it is refused before any ceremony', async () => {
    const { body } = await registerAndLogin(harness);
    expect((await api('POST', '/api/auth/passkeys/register/options')).status).toBe(401);
    const malformed = await api('POST', '/api/auth/passkeys/register/verify', { response: { id: 'not base64url!' }, extra: 1 }, bearer(body.accessToken));
    expect(malformed.status).toBe(400);
    const { errors } = (await malformed.json()) as { errors: { path: string }[] };
    expect(errors.map((e) => e.path)).toEqual(expect.arrayContaining(['response.id', 'response.rawId', 'response.type', 'extra']));
  });
});

describe('signing in with a passkey', () => {
  it('when a device-bound passkey answers, then the normal login answer and cookies come back with amr hwk, and the use is recorded', async () => {
    const { userId, device, passkey, body } = await withPasskey();
    const client = new Client(harness.url);
    const options = await loginOptions(client);
    expect(options).toMatchObject({ rpId: RP_ID, userVerification: 'required' });
    expect(options.allowCredentials ?? []).toEqual([]);

    const response = await client.post('/api/auth/passkeys/login/verify', { response: device.assert(options) });

    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const login = (await response.json()) as LoginBody;
    expect(login).toMatchObject({ tokenType: 'Bearer', user: { id: userId } });
    expect(claimsOf(login.accessToken)).toMatchObject({ sub: userId, amr: ['hwk'] });
    expect(client.refreshToken()).toBeDefined();
    const refreshed = await client.refresh();
    expect(claimsOf(((await refreshed.json()) as LoginBody).accessToken).amr).toEqual(['hwk']);
    const [listed] = await listPasskeys(body.accessToken);
    expect(listed).toMatchObject({ id: passkey.id, lastUsedAt: expect.any(String) });
    expect((await harness.pool.query('SELECT sign_count FROM passkeys WHERE id = $1', [passkey.id])).rows[0]).toEqual({ sign_count: '1' });
  });

  it('when a synced (backup-eligible) passkey answers, then amr says swk', async () => {
    const { device } = await withPasskey({ backupEligible: true });
    const response = await passkeyLogin(device);
    expect(response.status).toBe(200);
    expect(claimsOf(((await response.json()) as LoginBody).accessToken).amr).toEqual(['swk']);
  });

  it('when the account also has an authenticator app, then the passkey alone signs in: it is two factors already', async () => {
    const { body, device } = await withPasskey();
    const { secret } = (await (await api('POST', '/api/auth/mfa/totp/setup', undefined, bearer(body.accessToken))).json()) as { secret: string };
    expect((await api('POST', '/api/auth/mfa/totp/confirm', { code: totpCode(secret, totpStep(harness.now())) }, bearer(body.accessToken))).status).toBe(200);

    const response = await passkeyLogin(device);

    expect(response.status).toBe(200);
    const login = (await response.json()) as LoginBody & { mfaRequired?: boolean };
    expect(login.mfaRequired).toBeUndefined();
    expect(claimsOf(login.accessToken).amr).toEqual(['hwk']);
  });

  it('when an authenticator keeps no counter (always 0), then it signs in every time', async () => {
    const { device } = await withPasskey({ counter: false });
    for (let i = 0; i < 3; i++) expect((await passkeyLogin(device)).status).toBe(200);
  });

  it('when the same answer is sent twice, then the second finds its challenge used: 400 passkey_challenge_invalid', async () => {
    const { device } = await withPasskey();
    const answer = { response: device.assert(await loginOptions()) };
    expect((await api('POST', '/api/auth/passkeys/login/verify', answer)).status).toBe(200);
    await expectRefused(await api('POST', '/api/auth/passkeys/login/verify', answer), 400, 'passkey_challenge_invalid');
  });

  it('when the answer comes after the challenge expired, or signs a challenge never issued, then 400 passkey_challenge_invalid', async () => {
    const { device } = await withPasskey();
    const options = await loginOptions();
    harness.advance(CHALLENGE_TTL_MS + 1);
    await expectRefused(await api('POST', '/api/auth/passkeys/login/verify', { response: device.assert(options) }), 400, 'passkey_challenge_invalid');
    const forged = device.assert({ challenge: Buffer.alloc(32, 7).toString('base64url'), rpId: RP_ID });
    await expectRefused(await api('POST', '/api/auth/passkeys/login/verify', { response: forged }), 400, 'passkey_challenge_invalid');
  });

  it.each([
    ['another origin', { origin: 'https://evil.example' }],
    ['another RP ID', { rpId: 'evil.example' }],
    ['no user verification', { userVerified: false }],
    ["another user's handle", { userHandle: Buffer.alloc(16, 1).toString('base64url') }],
  ] as const)('when the assertion comes from %s, then 401 passkey_invalid and no session', async (_case, overrides) => {
    const { device, passkey } = await withPasskey();
    await expectRefused(await passkeyLogin(device, overrides), 401, 'passkey_invalid');
    expect((await harness.pool.query('SELECT last_used_at FROM passkeys WHERE id = $1', [passkey.id])).rows[0]).toEqual({ last_used_at: null });
  });

  it('when the passkey is unknown, or the signature is not its key, then 401 passkey_invalid', async () => {
    const { device } = await withPasskey();
    await expectRefused(await passkeyLogin(authenticator()), 401, 'passkey_invalid');
    const impostor = authenticator();
    Object.assign(impostor, { credentialId: device.credentialId });
    await expectRefused(await passkeyLogin(impostor), 401, 'passkey_invalid');
  });

  it('when a cloned authenticator answers with a counter that did not advance, then 401, the passkey is flagged and logged, and it signs in no more', async () => {
    const { userId, device, passkey } = await withPasskey();
    expect((await passkeyLogin(device)).status).toBe(200);
    const clone = device.clone();
    expect((await passkeyLogin(device)).status).toBe(200);

    await expectRefused(await passkeyLogin(clone), 401, 'passkey_invalid');

    const { rows } = await harness.pool.query('SELECT sign_count, suspected_clone_at FROM passkeys WHERE id = $1', [passkey.id]);
    expect(rows[0]).toEqual({ sign_count: '2', suspected_clone_at: expect.any(Date) });
    expect(harness.logs.lines().filter((l) => l.event === 'passkey_suspected_clone')).toEqual([
      expect.objectContaining({ level: 'warn', passkeyId: passkey.id, userId, storedCount: 2, presentedCount: 2 }),
    ]);
    await expectRefused(await passkeyLogin(device), 401, 'passkey_invalid');
  });

  it('when a counter falls back to 0 after it was counting, then that too is a clone', async () => {
    const { device, passkey } = await withPasskey();
    expect((await passkeyLogin(device)).status).toBe(200);
    await expectRefused(await passkeyLogin(device, { signCount: 0 }), 401, 'passkey_invalid');
    expect((await harness.pool.query('SELECT suspected_clone_at FROM passkeys WHERE id = $1', [passkey.id])).rows[0].suspected_clone_at).not.toBeNull();
  });

  it('when the sign-in comes from a page on another origin, then 403 before any challenge is used', async () => {
    const { device } = await withPasskey();
    const options = await loginOptions();
    const foreign = { origin: 'https://evil.example' };
    await expectRefused(await api('POST', '/api/auth/passkeys/login/verify', { response: device.assert(options) }, foreign), 403, 'origin_not_allowed');
    expect((await api('POST', '/api/auth/passkeys/login/verify', { response: device.assert(options) })).status).toBe(200);
  });
});

describe('managing passkeys', () => {
  it("when a user deletes someone else's passkey or an unknown id, then 404 and it stays", async () => {
    const owner = await withPasskey();
    const other = await registerAndLogin(harness);
    await expectRefused(await api('DELETE', `/api/auth/passkeys/${owner.passkey.id}`, undefined, bearer(other.body.accessToken)), 404, 'passkey_not_found');
    await expectRefused(
      await api('DELETE', '/api/auth/passkeys/4b8f1c2e-0000-4000-8000-000000000000', undefined, bearer(owner.body.accessToken)),
      404,
      'passkey_not_found',
    );
    expect((await api('DELETE', '/api/auth/passkeys/not-a-uuid', undefined, bearer(owner.body.accessToken))).status).toBe(400);
    expect(await listPasskeys(owner.body.accessToken)).toHaveLength(1);
  });

  it('when the owner deletes a passkey, then 204, it signs in no more, every other session ends, this one lives, and the owner is told', async () => {
    const { userId, device, passkey, body } = await withPasskey();
    const other = await passkeyLogin(device);
    const otherSession = claimsOf(((await other.json()) as LoginBody).accessToken).sid;

    const response = await api('DELETE', `/api/auth/passkeys/${passkey.id}`, undefined, bearer(body.accessToken));

    expect(response.status).toBe(204);
    expect(await listPasskeys(body.accessToken)).toEqual([]);
    await expectRefused(await passkeyLogin(device), 401, 'passkey_invalid');
    expect(await eventually(() => revokedFor(userId).some((e) => e.payload.reason === 'passkey_removed' && e.payload.sessionIds.includes(otherSession)))).toBe(
      true,
    );
    expect(revokedFor(userId).flatMap((e) => e.payload.sessionIds)).not.toContain(claimsOf(body.accessToken).sid);
    expect(await eventually(() => noticesFor(userId).some((e) => e.payload.kind === 'passkey_removed'))).toBe(true);
  });

  it('when the account is deleted, then its passkeys go with it', async () => {
    const { userId, passkey } = await withPasskey();
    await harness.events.publish(createEvent('user.deleted', { userId }));
    expect(await eventually(async () => (await harness.pool.query('SELECT 1 FROM passkeys WHERE id = $1', [passkey.id])).rowCount === 0)).toBe(true);
  });
});

describe('limits per client address', () => {
  it('when one address sends more sign-in answers than LOGIN_IP_LIMIT, then 429 before verifying, and options are limited too', async () => {
    const strict = await startAuth('passkeys_limits', { LOGIN_IP_LIMIT: '2' });
    try {
      const post = (path: string, body?: unknown) => new Client(strict.url).post(path, body);
      const bogus = { response: authenticator().assert({ challenge: Buffer.alloc(32).toString('base64url'), rpId: RP_ID }) };
      const answers = [];
      for (let i = 0; i < 3; i++) answers.push((await post('/api/auth/passkeys/login/verify', bogus)).status);
      expect(answers).toEqual([400, 400, 429]);
      const options = [];
      for (let i = 0; i < 3; i++) options.push((await post('/api/auth/passkeys/login/options')).status);
      expect(options).toEqual([200, 200, 429]);
    } finally {
      await strict.close();
    }
  });
});
