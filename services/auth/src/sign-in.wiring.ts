import type { Router } from 'express';
import type { Logger } from '@gatehouse/logger';
import type { AuthConfig } from './config';
import type { Clock, PasswordHasher } from './domain/auth.ports';
import { audited, userActor, type AuditTrail } from './domain/audit.ports';
import type { FinishLoginDeps } from './domain/finish-login';
import { login } from './domain/login.use-case';
import { logout } from './domain/logout.use-case';
import { refresh } from './domain/refresh.use-case';
import { register } from './domain/register.use-case';
import { secrets } from './crypto/secrets';
import type { AuthMetrics } from './http/auth-metrics';
import { authRoutes } from './http/auth.routes';
import type { AddressOf } from './http/guards';
import type { RateLimiters } from './rate-limits.wiring';
import type { AuthStores } from './stores.wiring';
import type { AuthTokens } from './tokens.wiring';

export interface SignInDeps extends AuthStores, AuthTokens {
  readonly hasher: PasswordHasher;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly metrics: AuthMetrics;
  readonly audit: AuditTrail;
  readonly limits: Pick<RateLimiters, 'login' | 'register' | 'registrationNotices' | 'refreshInvalid'>;
  readonly addressOf: AddressOf;
  /** What the password login needs to ask for a second factor instead of opening the session. */
  readonly secondFactors: Pick<FinishLoginDeps, 'factors' | 'challenges' | 'clock' | 'challengeTtlSeconds'>;
}

/** Registering, logging in with a password, refreshing and logging out, wired to their use cases. */
export function signInRoutes(config: Readonly<AuthConfig>, deps: SignInDeps): Router {
  const { transactions, sessions, tokens, signer, hasher, throttle, metrics, clock, audit } = deps;
  const registration = {
    transactions,
    hasher,
    secrets,
    clock,
    verificationTtlSeconds: config.EMAIL_VERIFICATION_TTL_SECONDS,
    concealExisting: config.REGISTRATION_CONCEALS_EXISTING,
    noticesPerEmail: deps.limits.registrationNotices,
  };
  const passwordLogin = {
    sessions,
    tokens,
    signer,
    secrets,
    ...deps.secondFactors,
    credentials: deps.credentials,
    hasher,
    throttle,
    requireVerifiedEmail: config.REQUIRE_VERIFIED_EMAIL,
    concealExisting: config.REGISTRATION_CONCEALS_EXISTING,
    audit,
  };
  const rotation = { sessions, tokens, signer, transactions, invalidPresentations: deps.limits.refreshInvalid, logger: deps.logger, clock, audit };
  return authRoutes({
    useCases: {
      register: (input) =>
        metrics.track('register', () =>
          audited(
            audit,
            'register',
            () => register(registration, input),
            {},
            (result) => (result.outcome === 'created' ? { actor: userActor(result.credential.id), subject: result.credential.id } : {}),
          ),
        ),
      login: (input) => metrics.track('login', () => login(passwordLogin, input)),
      refresh: (presented, address, userAgent) => metrics.track('refresh', () => refresh(rotation, presented, address, userAgent)),
      logout: (presented) => metrics.track('logout', () => logout({ sessions, tokens, transactions, audit }, presented)),
    },
    cookies: { secure: config.COOKIE_SECURE },
    tokens,
    allowedOrigins: config.CORS_ORIGINS,
    addressOf: deps.addressOf,
    limits: { login: deps.limits.login, register: deps.limits.register },
  });
}
