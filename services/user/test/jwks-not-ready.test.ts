import { managementUrl } from '@gatehouse/testing';
import { newIdentity, startUser, type ProblemBody, type UserHarness } from './user-harness';

/** Nothing listens on port 1: the auth service has not started yet. */
const UNREACHABLE_JWKS_URL = 'http://127.0.0.1:1/.well-known/jwks.json';

let harness: UserHarness;
beforeAll(async () => {
  harness = await startUser('jwks_not_ready', { JWKS_URL: UNREACHABLE_JWKS_URL }, { waitForJwks: false });
});
afterAll(() => harness.close());

describe('user service started before the auth service', () => {
  it('when a well-formed token arrives before any JWKS is loaded, then 503 with Retry-After, never 401', async () => {
    const response = await harness.request('GET', '/api/user/profile', { identity: newIdentity() });

    expect(response.status).toBe(503);
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect((await response.json()) as ProblemBody).toMatchObject({ status: 503, code: 'dependency_unavailable' });
  });

  it('when no JWKS is loaded yet, then /readyz answers 503 with the jwks check failing', async () => {
    const response = await fetch(`${managementUrl(harness.url)}/readyz`);

    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ status: 'not_ready', checks: { postgres: 'ok', jwks: 'failing' } });
  });
});
