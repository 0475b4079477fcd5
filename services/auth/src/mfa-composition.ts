import type { Router } from 'express';
import type { Pool } from 'pg';
import type { AccessTokenVerifier } from '@gatehouse/jwt';
import type { AuthConfig } from './config';
import type { AccessTokenSigner, Clock, LoginThrottle, PasswordHasher, SessionStore, SessionTokens, Transactions } from './domain/auth.ports';
import { audited, ownAccount, type AuditTrail } from './domain/audit.ports';
import type { FinishLoginDeps } from './domain/finish-login';
import { completeMfaLogin } from './domain/mfa-login.use-case';
import { confirmTotp, setupTotp } from './domain/totp-enrollment.use-case';
import { removeTotp } from './domain/totp-removal.use-case';
import { mfaKeys } from './crypto/mfa-keys';
import { createRecoveryCodes } from './crypto/recovery-codes';
import { createSecretCipher } from './crypto/secret-cipher';
import { secrets } from './crypto/secrets';
import { createTotp } from './crypto/totp';
import type { AuthMetrics } from './http/auth-metrics';
import type { AddressOf } from './http/guards';
import { mfaRoutes } from './http/mfa.routes';
import { createCodeThrottle } from './store/code-throttle.store';
import { createMfaChallengeStore } from './store/mfa-challenge.store';
import { createRateLimiter } from './store/rate-limiter.store';
import { secondFactorsOn } from './store/second-factor.store';
import type { RedisClient } from './store/redis-client';

/** What the second factors share with the rest of the service (built by `createApp`). */
export interface SecondFactorWiring {
  readonly pool: Pool;
  readonly redis: RedisClient;
  readonly sessionSecret: string;
  readonly clock: Clock;
  readonly transactions: Transactions;
  readonly sessions: SessionStore;
  readonly tokens: SessionTokens;
  readonly signer: AccessTokenSigner;
  /** The password login's throttle: removing the factor with the password counts like a login. */
  readonly loginThrottle: LoginThrottle;
  readonly hasher: PasswordHasher;
  readonly verifier: AccessTokenVerifier;
  readonly addressOf: AddressOf;
  readonly metrics: AuthMetrics;
  readonly audit: AuditTrail;
}

export interface SecondFactors {
  /** What `login` needs to ask for the second factor instead of opening the session. */
  readonly loginDeps: Pick<FinishLoginDeps, 'factors' | 'challenges' | 'clock' | 'challengeTtlSeconds'>;
  readonly routes: Router;
}

/**
 * How long a login waits for its second factor. Shorter than the revoke-all fence (FENCE_SECONDS
 * in app.ts), so a logout-everywhere or password change during the wait still fences it out.
 */
const MFA_TOKEN_TTL_SECONDS = 300;
/** Codes one mfaToken takes (a typo or two), then the password again; the account budget is separate. */
const MFA_TOKEN_ATTEMPTS = 3;

/** The TOTP factor, recovery codes and the second login step, composed from the service's parts. */
export function composeSecondFactors(config: Readonly<AuthConfig>, wiring: SecondFactorWiring): SecondFactors {
  const { clock, transactions, sessions, audit } = wiring;
  const keys = mfaKeys(config.MFA_ENCRYPTION_KEY, wiring.sessionSecret);
  const cipher = createSecretCipher(keys.secretKey);
  const recoveryCodes = createRecoveryCodes(keys.recoveryCodeKey);
  const totp = createTotp(config.MFA_ISSUER);
  const factors = secondFactorsOn(wiring.pool);
  const challenges = createMfaChallengeStore(wiring.redis, { maxAttempts: MFA_TOKEN_ATTEMPTS, clock });
  const codeThrottle = createCodeThrottle(wiring.redis, { limit: config.MFA_FAILURE_LIMIT, windowSeconds: config.MFA_FAILURE_WINDOW_SECONDS });
  const session = { sessions, tokens: wiring.tokens, signer: wiring.signer, secrets };
  const enrollment = { transactions, totp, cipher, recoveryCodes, throttle: codeThrottle, clock };

  const routes = mfaRoutes({
    useCases: {
      setupTotp: (userId) => setupTotp(enrollment, userId),
      confirmTotp: (input) => audited(audit, 'mfa_enroll', () => confirmTotp(enrollment, input), ownAccount(input.userId)),
      removeTotp: (input) =>
        audited(
          audit,
          'mfa_remove',
          () => removeTotp({ transactions, sessions, totp, cipher, codeThrottle, loginThrottle: wiring.loginThrottle, hasher: wiring.hasher, clock }, input),
          ownAccount(input.userId),
        ),
      completeLogin: (input) =>
        wiring.metrics.track('login_mfa', () =>
          completeMfaLogin({ ...session, transactions, challenges, factors, totp, cipher, recoveryCodes, throttle: codeThrottle, clock, audit }, input),
        ),
    },
    cookies: { secure: config.COOKIE_SECURE },
    verifier: wiring.verifier,
    sessions,
    allowedOrigins: config.CORS_ORIGINS,
    addressOf: wiring.addressOf,
    limits: { login: createRateLimiter(wiring.redis, 'login-mfa', { limit: config.LOGIN_IP_LIMIT, windowSeconds: config.LOGIN_IP_WINDOW_SECONDS }) },
  });
  return { loginDeps: { factors, challenges, clock, challengeTtlSeconds: MFA_TOKEN_TTL_SECONDS }, routes };
}
