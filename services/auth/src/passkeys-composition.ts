import type { Router } from 'express';
import type { Pool } from 'pg';
import type { RedisClient } from './store/redis-client';
import type { AccessTokenVerifier } from '@gatehouse/jwt';
import type { Logger } from '@gatehouse/logger';
import type { AuthConfig } from './config';
import type { Clock, SessionStore, Transactions } from './domain/auth.ports';
import { audited, ownAccount, type AuditTrail } from './domain/audit.ports';
import type { FinishLoginDeps } from './domain/finish-login';
import { listPasskeys, removePasskey } from './domain/manage-passkeys.use-case';
import { finishPasskeyLogin, startPasskeyLogin } from './domain/passkey-login.use-case';
import { finishPasskeyRegistration, startPasskeyRegistration } from './domain/passkey-registration.use-case';
import { createRelyingParty } from './crypto/webauthn-relying-party';
import type { AuthMetrics } from './http/auth-metrics';
import type { AddressOf } from './http/guards';
import { passkeyRoutes } from './http/passkeys.routes';
import { createPasskeyChallengeStore } from './store/passkey-challenge.store';
import { createPasskeyStore } from './store/passkey.store';
import { createRateLimiter } from './store/rate-limiter.store';

/** What passkeys share with the rest of the service (built by `createApp`). */
export interface PasskeyWiring {
  readonly pool: Pool;
  readonly redis: RedisClient;
  readonly clock: Clock;
  readonly transactions: Transactions;
  readonly sessions: SessionStore;
  readonly verifier: AccessTokenVerifier;
  readonly addressOf: AddressOf;
  readonly metrics: AuthMetrics;
  readonly logger: Logger;
  /** How every login ends: the session (the second-factor check is passed: a passkey is two factors). */
  readonly finishLogin: FinishLoginDeps;
  readonly audit: AuditTrail;
}

/**
 * How long a challenge waits for its answer, and the browser for the person: WebAuthn advises
 * 5 to 10 minutes when user verification is required (§5.4, `timeout`), so the shorter end.
 */
const CHALLENGE_TTL_SECONDS = 300;
/** Registration ceremonies one user may start per window: a few retries, not a flood of keys. */
const REGISTRATION_OPTIONS_LIMIT = { limit: 20, windowSeconds: 300 };

/** Registering, listing, removing and signing in with passkeys, composed from the service's parts. */
export function composePasskeys(config: Readonly<AuthConfig>, wiring: PasskeyWiring): Router {
  const { clock, transactions, sessions, audit } = wiring;
  const relyingParty = createRelyingParty({
    rpId: config.WEBAUTHN_RP_ID,
    rpName: config.WEBAUTHN_RP_NAME,
    origins: config.WEBAUTHN_ORIGINS,
    timeoutMs: CHALLENGE_TTL_SECONDS * 1000,
  });
  const passkeys = createPasskeyStore(wiring.pool);
  const passkeyChallenges = createPasskeyChallengeStore(wiring.redis, { clock });
  const { secrets } = wiring.finishLogin;
  const registration = {
    transactions,
    passkeys,
    passkeyChallenges,
    relyingParty,
    secrets,
    clock,
    limit: config.PASSKEYS_PER_USER_LIMIT,
    challengeTtlSeconds: CHALLENGE_TTL_SECONDS,
  };
  const signIn = {
    ...wiring.finishLogin,
    passkeys,
    passkeyChallenges,
    relyingParty,
    transactions,
    requireVerifiedEmail: config.REQUIRE_VERIFIED_EMAIL,
    passkeyChallengeTtlSeconds: CHALLENGE_TTL_SECONDS,
    logger: wiring.logger,
    clock,
    audit,
  };
  const limiter = (name: string, limit: number, windowSeconds: number) => createRateLimiter(wiring.redis, name, { limit, windowSeconds });

  return passkeyRoutes({
    useCases: {
      registrationOptions: (registrant) => startPasskeyRegistration(registration, registrant),
      register: (input) => audited(audit, 'passkey_register', () => finishPasskeyRegistration(registration, input), ownAccount(input.userId)),
      list: (userId) => listPasskeys({ passkeys }, userId),
      remove: (input) => audited(audit, 'passkey_remove', () => removePasskey({ transactions, sessions, clock }, input), ownAccount(input.userId)),
      loginOptions: () => startPasskeyLogin(signIn),
      login: (input) => wiring.metrics.track('login_passkey', () => finishPasskeyLogin(signIn, input)),
    },
    cookies: { secure: config.COOKIE_SECURE },
    verifier: wiring.verifier,
    sessions,
    allowedOrigins: config.CORS_ORIGINS,
    addressOf: wiring.addressOf,
    limits: {
      registrationOptions: limiter('passkey-register-options', REGISTRATION_OPTIONS_LIMIT.limit, REGISTRATION_OPTIONS_LIMIT.windowSeconds),
      loginOptions: limiter('passkey-login-options', config.LOGIN_IP_LIMIT, config.LOGIN_IP_WINDOW_SECONDS),
      login: limiter('passkey-login', config.LOGIN_IP_LIMIT, config.LOGIN_IP_WINDOW_SECONDS),
    },
  });
}
