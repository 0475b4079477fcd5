import jwt from 'jsonwebtoken';
import type { AccessTokenSigner, Clock } from '../domain/auth.ports';
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

export function createAccessTokenSigner(options: SignerOptions): AccessTokenSigner {
  return {
    sign(claims, sessionId, amr) {
      const now = options.clock();
      const key = options.key(now);
      const iat = Math.floor(now / 1000);
      const token = jwt.sign(
        {
          sub: claims.userId,
          email: claims.email,
          name: claims.name,
          roles: claims.roles,
          email_verified: claims.emailVerified,
          sid: sessionId,
          amr: [...amr],
          jti: secrets.uuid(),
          iss: options.issuer,
          aud: options.audience,
          iat,
          exp: iat + options.ttlSeconds,
        },
        key.privateKey,
        { algorithm: key.algorithm, keyid: key.kid, header: { alg: key.algorithm, typ: ACCESS_TOKEN_TYPE } },
      );
      return { token, expiresIn: options.ttlSeconds };
    },
  };
}
