import { secrets } from '../crypto/secrets';
import { issueClientToken, MAX_READ_TO_SIGN_MS, type IssueClientTokenDeps } from './issue-client-token.use-case';

const CLIENT_ID = `svc_${'A'.repeat(22)}`;
const SECRET = 'a'.repeat(43);

/** A client store whose read takes `readMs` on the injected clock (a slow database, or a stall). */
function deps(readMs: number): IssueClientTokenDeps & { now: { ms: number } } {
  const now = { ms: 1_000_000 };
  return {
    now,
    clock: () => now.ms,
    clients: {
      findCredential: async () => {
        now.ms += readMs;
        return { clientId: CLIENT_ID, secretDigest: secrets.digest(SECRET), scopes: ['users:read'], roles: [] };
      },
    },
    secrets,
    signer: { signForClient: () => ({ token: 'signed', expiresIn: 900 }) },
    perClient: { hit: async () => ({ allowed: true, retryAfterMs: 0 }) },
  };
}

describe('issuing a client credentials token', () => {
  it('when the read and the signature are close together, then the token is issued', async () => {
    const result = await issueClientToken(deps(MAX_READ_TO_SIGN_MS - 1), { clientId: CLIENT_ID, clientSecret: SECRET, scopes: undefined });
    expect(result).toMatchObject({ outcome: 'issued', scopes: ['users:read'] });
  });

  it('when signing comes later than the bound after the read, then no token leaves (a deletion in between could be outlived)', async () => {
    const outcome = issueClientToken(deps(MAX_READ_TO_SIGN_MS + 1), { clientId: CLIENT_ID, clientSecret: SECRET, scopes: undefined });
    await expect(outcome).rejects.toMatchObject({ code: 'dependency_unavailable' });
  });
});
