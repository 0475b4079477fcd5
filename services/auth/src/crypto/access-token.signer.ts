import type { AccessToken, AccessTokenSigner, Clock } from '../domain/auth.ports';
import { compactJwsSigner, type CompactJwsSigner } from './compact-jws';
import type { SigningKey } from './signing-keys';
import { secrets } from './secrets';

/** The JWT `typ` only access tokens carry (RFC 9068), so no other token can pass for one. */
export const ACCESS_TOKEN_TYPE = 'at+jwt';

export interface SignerOptions {
  /** The key current at the signing instant. */
  readonly key: (now: number) => SigningKey;
  readonly issuer: string;
  readonly audience: string;
  readonly ttlSeconds: number;
  readonly clock: Clock;
}

/** Users' and services' access tokens: the same registered claims, header and key; only the subject differs. */
export function createAccessTokenSigner(options: SignerOptions): AccessTokenSigner {
  // One signer per key, so its header is encoded once; a rotated-out key's signer goes with it.
  const signers = new WeakMap<SigningKey, CompactJwsSigner>();
  const signerFor = (key: SigningKey): CompactJwsSigner => {
    let signer = signers.get(key);
    if (!signer) signers.set(key, (signer = compactJwsSigner(key, ACCESS_TOKEN_TYPE)));
    return signer;
  };
  const signSubject = (subject: Readonly<Record<string, unknown>>): AccessToken => {
    const now = options.clock();
    const iat = Math.floor(now / 1000);
    const token = signerFor(options.key(now)).sign({
      ...subject,
      jti: secrets.uuid(),
      iss: options.issuer,
      aud: options.audience,
      iat,
      exp: iat + options.ttlSeconds,
    });
    return { token, expiresIn: options.ttlSeconds };
  };
  return {
    sign: (claims, sessionId, amr) =>
      signSubject({
        sub: claims.userId,
        email: claims.email,
        name: claims.name,
        roles: claims.roles,
        email_verified: claims.emailVerified,
        sid: sessionId,
        amr: [...amr],
      }),
    // RFC 9068 §2.2: `client_id` beside `sub`; `scope` is space-joined and left out when empty.
    signForClient: (claims) =>
      signSubject({
        sub: claims.clientId,
        client_id: claims.clientId,
        ...(claims.scopes.length > 0 ? { scope: claims.scopes.join(' ') } : {}),
        roles: claims.roles,
      }),
  };
}
