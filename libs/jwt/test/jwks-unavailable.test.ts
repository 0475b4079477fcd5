import { AppError } from '@gatehouse/errors';
import { createLogger } from '@gatehouse/logger';
import { eventually } from '@gatehouse/testing';
import { createJwksVerifier, type JwksVerifier, type JwksVerifierOptions } from '../src';
import { AUDIENCE, ISSUER, UNREACHABLE_JWKS_URL, generateTestKey, serveJwks, signToken, type JwksServer, type TestKey } from './token-fixtures';

const logger = createLogger({ service: 'jwt-unavailable-test', level: 'silent' });
const key = generateTestKey('ES256');
const stranger = generateTestKey('ES256');
/** Far longer than any test waits, so only the start-up back-off can explain a quick recovery. */
const LONG_COOLDOWN_MS = 60_000;

async function failureOf(verification: Promise<unknown>): Promise<AppError> {
  const error: unknown = await verification.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

describe('JWKS verifier while the keys cannot be had', () => {
  const verifiers: JwksVerifier[] = [];
  const servers: JwksServer[] = [];

  function verifierFor(jwksUrl: string, overrides: Partial<JwksVerifierOptions> = {}): JwksVerifier {
    const verifier = createJwksVerifier({
      jwksUrl,
      issuer: ISSUER,
      audience: AUDIENCE,
      logger,
      fetchTimeoutMs: 500,
      refetchCooldownMs: LONG_COOLDOWN_MS,
      ...overrides,
    });
    verifiers.push(verifier);
    return verifier;
  }

  async function jwksServing(keys: readonly TestKey[], failure?: number): Promise<JwksServer> {
    const server = await serveJwks(keys);
    server.fail(failure);
    servers.push(server);
    return server;
  }

  afterAll(async () => {
    for (const verifier of verifiers) verifier.close();
    await Promise.all(servers.map((server) => server.close()));
  });

  it.each([
    ['nothing listens on the JWKS port', async () => UNREACHABLE_JWKS_URL],
    ['the JWKS endpoint answers 502', async () => (await jwksServing([key], 502)).jwksUrl],
    ['the JWKS is empty', async () => (await jwksServing([])).jwksUrl],
  ])('when %s, then a valid token gets dependency_unavailable with a retry hint and the verifier is not ready', async (_name, jwksUrl) => {
    const verifier = verifierFor(await jwksUrl());
    await expect(verifier.refresh()).rejects.toThrow();

    const error = await failureOf(verifier.verify(signToken(key)));

    expect(error.code).toBe('dependency_unavailable');
    expect(error.details.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(error.details.retryAfterSeconds).toBeLessThanOrEqual(5);
    expect(verifier.ready()).toBe(false);
  });

  it('when the JWKS starts serving keys after the verifier started, then a valid token passes within a second despite a long cooldown', async () => {
    const jwks = await jwksServing([]);
    const verifier = verifierFor(jwks.jwksUrl);
    const token = signToken(key, { claims: { sub: 'early-bird' } });
    await verifier.refresh().catch(() => undefined);
    expect((await failureOf(verifier.verify(token))).code).toBe('dependency_unavailable');

    jwks.publish([key]);
    const started = Date.now();
    const passed = await eventually(
      () =>
        verifier.verify(token).then(
          () => true,
          () => false,
        ),
      1500,
    );

    expect(passed).toBe(true);
    expect(Date.now() - started).toBeLessThan(1500);
    expect(verifier.ready()).toBe(true);
  });

  it('when no traffic arrives, then the verifier retries on a short back-off and is ready only once keys are served', async () => {
    const jwks = await jwksServing([]);
    const verifier = verifierFor(jwks.jwksUrl);

    expect(await eventually(() => jwks.hits() >= 3, 2000)).toBe(true);
    expect(verifier.ready()).toBe(false);
    jwks.publish([key]);

    expect(await eventually(() => verifier.ready(), 3000)).toBe(true);
  });

  it('when requests arrive while no keys are loaded, then they share one fetch and the next waits for the back-off', async () => {
    let clock = Date.now();
    const jwks = await jwksServing([]);
    const verifier = verifierFor(jwks.jwksUrl, { now: () => clock });
    const token = signToken(key);
    await verifier.refresh().catch(() => undefined);
    const before = jwks.hits();
    clock += 10_000;

    const errors = await Promise.all(Array.from({ length: 20 }, () => failureOf(verifier.verify(token))));
    expect(errors.every((error) => error.code === 'dependency_unavailable')).toBe(true);
    expect(jwks.hits()).toBe(before + 1);

    expect((await failureOf(verifier.verify(token))).code).toBe('dependency_unavailable');
    expect(jwks.hits()).toBe(before + 1);
  });

  it('when the refetch for an unknown kid fails, then 503 dependency_unavailable until the cooldown allows another try', async () => {
    let clock = Date.now();
    const jwks = await jwksServing([key]);
    const verifier = verifierFor(jwks.jwksUrl, { now: () => clock });
    await verifier.refresh();
    jwks.fail(503);
    clock += LONG_COOLDOWN_MS + 1000;

    const refused = await failureOf(verifier.verify(signToken(stranger)));
    clock += 20_000;
    const duringCooldown = await failureOf(verifier.verify(signToken(stranger)));

    expect(refused).toMatchObject({ code: 'dependency_unavailable', details: { retryAfterSeconds: 60 } });
    expect(duringCooldown).toMatchObject({ code: 'dependency_unavailable', details: { retryAfterSeconds: 40 } });
    await expect(verifier.verify(signToken(key, { claims: { sub: 'known-key' } }))).resolves.toMatchObject({ sub: 'known-key' });
    expect(verifier.ready()).toBe(true);
  });

  it('when the refetch for an unknown kid succeeds without it, then 401 token_invalid, also during the cooldown that follows', async () => {
    let clock = Date.now();
    const jwks = await jwksServing([key]);
    const verifier = verifierFor(jwks.jwksUrl, { now: () => clock });
    await verifier.refresh();
    clock += LONG_COOLDOWN_MS + 1000;
    const before = jwks.hits();

    const afterFetch = await failureOf(verifier.verify(signToken(stranger)));
    clock += 1000;
    const duringCooldown = await failureOf(verifier.verify(signToken(stranger)));

    expect(afterFetch.code).toBe('token_invalid');
    expect(duringCooldown.code).toBe('token_invalid');
    expect(jwks.hits()).toBe(before + 1);
  });
});
