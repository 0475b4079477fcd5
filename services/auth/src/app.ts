import type { Express } from 'express';
import type { Pool } from 'pg';
import cookieParser from 'cookie-parser';
import { Router, type Request } from 'express';
import { createOutboxRelay, createProcessedEventsPruner, createProcessedEvents, declareExchange, type AmqpConnection } from '@gatehouse/events';
import { createHttpApp, type HttpApp } from '@gatehouse/http';
import type { Logger } from '@gatehouse/logger';
import type { AuthConfig } from './config';
import type { Clock, PasswordHasher } from './domain/auth.ports';
import { register } from './domain/register.use-case';
import { login } from './domain/login.use-case';
import { refresh } from './domain/refresh.use-case';
import { logout } from './domain/logout.use-case';
import { bootstrapAdmin } from './domain/bootstrap-admin.use-case';
import { verifyEmail } from './domain/verify-email.use-case';
import { resendVerification } from './domain/resend-verification.use-case';
import { deleteAccount } from './domain/delete-account.use-case';
import { secrets } from './crypto/secrets';
import { createAccessTokenSigner } from './crypto/access-token.signer';
import type { KeyRing } from './crypto/key-ring';
import { createCredentialStore } from './store/credential.store';
import { createSessionStore } from './store/session.store';
import { createSessionTokens } from './crypto/session-tokens';
import { createStaticKeyVerifier } from '@gatehouse/jwt';
import { accountRoutes } from './http/account.routes';
import { accountPagesRoutes } from './http/account-pages.routes';
import { createBackgroundWork } from './http/background-work';
import { endSession, listSessions, logoutAll } from './domain/manage-sessions.use-case';
import { requestPasswordReset, resetPassword } from './domain/password-reset.use-case';
import { changePassword } from './domain/change-password.use-case';
import { clientAddressKey } from './http/client-address';
import { createLoginThrottle } from './store/login-throttle.store';
import { createRateLimiter } from './store/rate-limiter.store';
import { createTransactions } from './store/auth-transactions.store';
import { userDeletedConsumer } from './consumers/user-deleted.consumer';
import { emailVerificationRoutes } from './http/email-verification.routes';
import { authRoutes } from './http/auth.routes';
import { wellKnownRoutes } from './http/well-known.routes';
import { createAuthMetrics } from './http/auth-metrics';
import { TOKEN_PATH } from './http/token.routes';
import { clientCredentialsRoutes } from './client-credentials.wiring';
import { revocationsRoutes } from './http/revocations.routes';
import { createRevocationLog } from './store/revocation-log.store';
import { composeSecondFactors } from './mfa-composition';
import { composePasskeys } from './passkeys-composition';
import type { RedisClient } from './store/redis-client';
import { composeAuditLog, type AuditLog } from './audit.wiring';
import { audited, userActor } from './domain/audit.ports';

export interface AuthDeps {
  readonly pool: Pool;
  /** One server or a cluster (`createRedisClient`), with `keyPrefix: config.REDIS_KEY_PREFIX`. */
  readonly redis: RedisClient;
  readonly keys: KeyRing;
  /** Signs refresh and CSRF tokens. */
  readonly sessionSecret: string;
  readonly hasher: PasswordHasher;
  readonly logger: Logger;
  /** The broker link: the outbox relay publishes on it and the consumers consume from it. */
  readonly connection: AmqpConnection;
  readonly clock?: Clock;
}

export interface AuthApp {
  readonly app: Express;
  readonly http: HttpApp;
  /** Creates the configured first admin unless that account exists. */
  bootstrapAdmin(email: string, password: string): Promise<boolean>;
  /** Writes the buffered audit records now, or prunes those past retention (tests, operators). */
  readonly audit: Pick<AuditLog, 'flush' | 'prune'>;
  /** Starts the outbox relay and the consumers (they resume after every reconnect). */
  start(): Promise<void>;
  /** Stops consuming, waits for the messages in flight, then stops the relay. */
  stop(): Promise<void>;
}

/** Longer than any login takes from reading the credential to opening the session. */
const FENCE_SECONDS = 600;
/** Password-reset requests handled at once after answering; past it they are dropped (and logged). */
const BACKGROUND_WORK_LIMIT = 64;
/** The first back-off step after the free login attempts; it doubles from there. */
const LOGIN_BACKOFF_BASE_MS = 1000;

const window = (limit: number, windowSeconds: number) => ({ limit, windowSeconds });
/** A user acting on their own account. */
const ownAccount = (userId: string) => ({ actor: userActor(userId), subject: userId });

/** Composition root of the auth service: stores, use cases and routes from injected connections. */
export function createApp(config: Readonly<AuthConfig>, deps: AuthDeps): AuthApp {
  const clock = deps.clock ?? Date.now;
  const { logger, hasher } = deps;
  const credentials = createCredentialStore(deps.pool);
  const tokens = createSessionTokens(deps.sessionSecret);
  const sessions = createSessionStore(deps.redis, {
    idleSeconds: config.REFRESH_TOKEN_TTL_SECONDS,
    maxAgeSeconds: config.SESSION_MAX_AGE_SECONDS,
    reuseGraceMs: config.REFRESH_REUSE_GRACE_SECONDS * 1000,
    refreshLimit: window(config.REFRESH_SESSION_LIMIT, config.REFRESH_SESSION_WINDOW_SECONDS),
    maxSessionsPerUser: config.SESSIONS_PER_USER_LIMIT,
    fenceSeconds: FENCE_SECONDS,
    clock,
  });
  const throttle = createLoginThrottle(deps.redis, {
    backoff: { freeAttempts: config.LOGIN_FREE_ATTEMPTS, baseDelayMs: LOGIN_BACKOFF_BASE_MS, maxDelayMs: config.LOGIN_BACKOFF_MAX_SECONDS * 1000 },
    accountFailureLimit: config.LOGIN_ACCOUNT_FAILURE_LIMIT,
    accountWindowSeconds: config.LOGIN_ACCOUNT_WINDOW_SECONDS,
    clock,
  });
  const signer = createAccessTokenSigner({
    key: (now) => deps.keys.signingKey(now),
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
    ttlSeconds: config.ACCESS_TOKEN_TTL_SECONDS,
    clock,
  });
  const limiter = (name: string, limit: number, windowSeconds: number) => createRateLimiter(deps.redis, name, window(limit, windowSeconds));
  const deletedQueue = `${config.EVENTS_QUEUE_PREFIX}.user-deleted`;
  const transactions = createTransactions(deps.pool, createProcessedEvents(deps.pool, deletedQueue));
  const verification = { secrets, clock, verificationTtlSeconds: config.EMAIL_VERIFICATION_TTL_SECONDS };
  const resendPerEmail = limiter('resend-email', config.RESEND_VERIFICATION_LIMIT, config.RESEND_VERIFICATION_WINDOW_SECONDS);
  const invalidPresentations = limiter('refresh-invalid', config.REFRESH_INVALID_IP_LIMIT, config.REFRESH_INVALID_IP_WINDOW_SECONDS);
  const relay = createOutboxRelay({
    pool: deps.pool,
    connection: deps.connection,
    exchange: config.EVENTS_EXCHANGE,
    logger,
    retentionMs: config.OUTBOX_RETENTION_SECONDS * 1000,
  });
  const processedPruner = createProcessedEventsPruner({ pool: deps.pool, logger, retentionMs: config.PROCESSED_EVENTS_RETENTION_SECONDS * 1000 });
  const addressOf = (req: Request) => clientAddressKey(req.ip, config.RATE_LIMIT_IPV6_PREFIX_BITS);
  const session = { sessions, tokens, signer, secrets };
  const background = createBackgroundWork(logger, BACKGROUND_WORK_LIMIT);
  const registrationNotices = limiter('register-notice', 1, 3600);
  const passwordReset = { transactions, sessions, throttle, hasher, secrets, clock, resetTtlSeconds: config.PASSWORD_RESET_TTL_SECONDS };
  const verifier = createStaticKeyVerifier({ jwks: () => deps.keys.jwks(clock()), issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE, now: clock });

  const http = createHttpApp({
    service: 'auth',
    logger,
    trustProxyHops: config.TRUST_PROXY_HOPS,
    protocolBodyPaths: [TOKEN_PATH],
    readinessChecks: {
      postgres: async () => void (await deps.pool.query('SELECT 1')),
      redis: async () => void (await deps.redis.ping()),
      // No broker: registration and the rest keep working through the outbox while it is down.
    },
  });
  http.app.use(cookieParser());
  const metrics = createAuthMetrics(http.registry);
  const audit = composeAuditLog(config, { pool: deps.pool, registry: http.registry, verifier, sessions, logger, clock });
  const trail = audit.trail;
  const consumer = userDeletedConsumer({
    connection: deps.connection,
    exchange: config.EVENTS_EXCHANGE,
    queue: deletedQueue,
    maxAttempts: config.EVENT_MAX_ATTEMPTS,
    retryBaseDelayMs: config.EVENT_RETRY_BASE_DELAY_MS,
    logger,
    deleteAccount: (eventId, userId) => deleteAccount({ sessions, credentials, transactions }, eventId, userId),
    audit: trail,
  });
  const secondFactors = composeSecondFactors(config, { ...deps, clock, transactions, sessions, tokens, signer, loginThrottle: throttle, verifier, addressOf, metrics });

  const routes = Router();
  routes.use(audit.context);
  routes.use(
    wellKnownRoutes({ jwks: () => deps.keys.jwks(clock()), issuer: config.JWT_ISSUER, publicUrl: config.APP_URL, maxAgeSeconds: config.JWKS_MAX_AGE_SECONDS, scopes: config.OAUTH_SCOPES }),
  );
  routes.use(revocationsRoutes({ log: createRevocationLog(deps.pool), retentionSeconds: config.OUTBOX_RETENTION_SECONDS }));
  routes.use(clientCredentialsRoutes(config, { pool: deps.pool, transactions, signer, verifier, sessions, limiter, addressOf, logger, clock, audit: trail }));
  routes.use(audit.routes);
  routes.use(
    authRoutes({
      useCases: {
        register: (input) =>
          metrics.track('register', () =>
            audited(
              trail,
              'register',
              () => register({ transactions, hasher, ...verification, concealExisting: config.REGISTRATION_CONCEALS_EXISTING, noticesPerEmail: registrationNotices }, input),
              {},
              (result) => (result.outcome === 'created' ? { actor: userActor(result.credential.id), subject: result.credential.id } : {}),
            ),
          ),
        login: (input) =>
          metrics.track('login', () =>
            login(
              { ...session, ...secondFactors.loginDeps, credentials, hasher, throttle, requireVerifiedEmail: config.REQUIRE_VERIFIED_EMAIL, concealExisting: config.REGISTRATION_CONCEALS_EXISTING, audit: trail },
              input,
            ),
          ),
        refresh: (presented, address, userAgent) =>
          metrics.track('refresh', () => refresh({ sessions, tokens, signer, transactions, invalidPresentations, logger, clock, audit: trail }, presented, address, userAgent)),
        logout: (presented) => metrics.track('logout', () => logout({ sessions, tokens, transactions, audit: trail }, presented)),
      },
      cookies: { secure: config.COOKIE_SECURE },
      tokens,
      allowedOrigins: config.CORS_ORIGINS,
      addressOf,
      limits: {
        login: limiter('login', config.LOGIN_IP_LIMIT, config.LOGIN_IP_WINDOW_SECONDS),
        register: limiter('register', config.REGISTER_IP_LIMIT, config.REGISTER_IP_WINDOW_SECONDS),
      },
    }),
  );
  routes.use(secondFactors.routes);
  routes.use(composePasskeys(config, { ...deps, clock, transactions, sessions, verifier, addressOf, metrics, finishLogin: { ...session, ...secondFactors.loginDeps } }));
  // Before accountRoutes: its 405 for other methods on /api/auth/password/reset would shadow the page.
  routes.use(accountPagesRoutes({ signInUrl: config.SIGN_IN_URL }));
  routes.use(
    accountRoutes({
      useCases: {
        listSessions: (userId) => listSessions({ sessions }, userId),
        endSession: (userId, sessionId) => audited(trail, 'session_end', () => endSession({ sessions, transactions }, userId, sessionId), ownAccount(userId)),
        logoutAll: (userId) => audited(trail, 'session_end', () => logoutAll({ sessions, transactions }, userId), ownAccount(userId)),
        requestPasswordReset: (email) => background.run('password reset request', () => requestPasswordReset(passwordReset, email)),
        resetPassword: async (input) => void (await audited(trail, 'password_reset', () => resetPassword(passwordReset, input), {}, ownAccount)),
        changePassword: (input) => audited(trail, 'password_change', () => changePassword({ transactions, sessions, throttle, hasher, clock }, input), ownAccount(input.userId)),
      },
      cookies: { secure: config.COOKIE_SECURE },
      tokens,
      verifier,
      sessions,
      secrets,
      allowedOrigins: config.CORS_ORIGINS,
      appUrl: config.APP_URL,
      addressOf,
      limits: {
        forgotPerAddress: limiter('forgot', config.PASSWORD_FORGOT_LIMIT, config.PASSWORD_FORGOT_WINDOW_SECONDS),
        forgotPerEmail: limiter('forgot-email', config.PASSWORD_FORGOT_LIMIT, config.PASSWORD_FORGOT_WINDOW_SECONDS),
        // A reset token is guessed no more cheaply than a verification token: the same limit.
        resetPerAddress: limiter('reset', config.VERIFY_EMAIL_IP_LIMIT, config.VERIFY_EMAIL_IP_WINDOW_SECONDS),
      },
    }),
  );
  routes.use(
    emailVerificationRoutes({
      useCases: {
        verifyEmail: async (token) => void (await audited(trail, 'email_verify', () => verifyEmail({ transactions, sessions, secrets, clock }, token), {}, ownAccount)),
        resendVerification: (email) => resendVerification({ transactions, ...verification, perEmail: resendPerEmail }, email),
      },
      allowedOrigins: config.CORS_ORIGINS,
      addressOf,
      appUrl: config.APP_URL,
      signInUrl: config.SIGN_IN_URL,
      limits: {
        verify: limiter('verify-email', config.VERIFY_EMAIL_IP_LIMIT, config.VERIFY_EMAIL_IP_WINDOW_SECONDS),
        resend: limiter('resend', config.RESEND_VERIFICATION_LIMIT, config.RESEND_VERIFICATION_WINDOW_SECONDS),
      },
    }),
  );

  return {
    app: http.finish(routes),
    http,
    audit: { flush: () => audit.flush(), prune: () => audit.prune() },
    bootstrapAdmin: (email, password) => bootstrapAdmin({ credentials, hasher, secrets, logger }, email, password),
    async start() {
      // The relay may publish before any consumer declared the exchange, on this or a new link.
      await deps.connection.onConnected((channel) => declareExchange(channel, config.EVENTS_EXCHANGE));
      await consumer.start();
      await relay.start();
      processedPruner.start();
      audit.start();
    },
    async stop() {
      await background.drain();
      await consumer.stop();
      await relay.stop();
      await processedPruner.stop();
      await audit.stop();
    },
  };
}
