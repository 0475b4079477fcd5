import { Router } from 'express';
import type { AccessTokenVerifier } from '@gatehouse/jwt';
import type { AuthConfig } from './config';
import type { Clock, PasswordHasher } from './domain/auth.ports';
import { audited, ownAccount, type AuditTrail } from './domain/audit.ports';
import { changePassword } from './domain/change-password.use-case';
import { endSession, listSessions, logoutAll } from './domain/manage-sessions.use-case';
import { requestPasswordReset, resetPassword } from './domain/password-reset.use-case';
import { resendVerification } from './domain/resend-verification.use-case';
import { verifyEmail } from './domain/verify-email.use-case';
import { secrets } from './crypto/secrets';
import { accountRoutes } from './http/account.routes';
import { accountPagesRoutes } from './http/account-pages.routes';
import type { BackgroundWork } from './http/background-work';
import { emailVerificationRoutes } from './http/email-verification.routes';
import type { AddressOf } from './http/guards';
import type { RateLimiters } from './rate-limits.wiring';
import type { AuthStores } from './stores.wiring';
import type { AuthTokens } from './tokens.wiring';

export interface AccountDeps extends Omit<AuthStores, 'credentials'>, Pick<AuthTokens, 'tokens'> {
  readonly verifier: AccessTokenVerifier;
  readonly hasher: PasswordHasher;
  readonly clock: Clock;
  readonly audit: AuditTrail;
  readonly limits: Pick<RateLimiters, 'forgotPerAddress' | 'forgotPerEmail' | 'resetPerAddress' | 'verifyEmail' | 'resendPerAddress' | 'resendPerEmail'>;
  readonly addressOf: AddressOf;
  /** Where password-reset requests run, after the answer. */
  readonly background: BackgroundWork;
}

/** What users do to their own account: sessions, passwords and email verification, with its pages. */
export function accountSelfServiceRoutes(config: Readonly<AuthConfig>, deps: AccountDeps): Router {
  const { transactions, sessions, throttle, hasher, clock, audit, limits } = deps;
  const passwordReset = { transactions, sessions, throttle, hasher, secrets, clock, resetTtlSeconds: config.PASSWORD_RESET_TTL_SECONDS };
  const verification = { transactions, secrets, clock, verificationTtlSeconds: config.EMAIL_VERIFICATION_TTL_SECONDS, perEmail: limits.resendPerEmail };
  const routes = Router();
  // Before accountRoutes: its 405 for other methods on /api/auth/password/reset would shadow the page.
  routes.use(accountPagesRoutes({ signInUrl: config.SIGN_IN_URL }));
  routes.use(
    accountRoutes({
      useCases: {
        listSessions: (userId) => listSessions({ sessions }, userId),
        endSession: (userId, sessionId) => audited(audit, 'session_end', () => endSession({ sessions, transactions }, userId, sessionId), ownAccount(userId)),
        logoutAll: (userId) => audited(audit, 'session_end', () => logoutAll({ sessions, transactions }, userId), ownAccount(userId)),
        requestPasswordReset: (email) => deps.background.run('password reset request', () => requestPasswordReset(passwordReset, email)),
        resetPassword: async (input) => void (await audited(audit, 'password_reset', () => resetPassword(passwordReset, input), {}, ownAccount)),
        changePassword: (input) =>
          audited(audit, 'password_change', () => changePassword({ transactions, sessions, throttle, hasher, clock }, input), ownAccount(input.userId)),
      },
      cookies: { secure: config.COOKIE_SECURE },
      tokens: deps.tokens,
      verifier: deps.verifier,
      sessions,
      secrets,
      allowedOrigins: config.CORS_ORIGINS,
      appUrl: config.APP_URL,
      addressOf: deps.addressOf,
      limits: { forgotPerAddress: limits.forgotPerAddress, forgotPerEmail: limits.forgotPerEmail, resetPerAddress: limits.resetPerAddress },
    }),
  );
  routes.use(
    emailVerificationRoutes({
      useCases: {
        verifyEmail: async (token) =>
          void (await audited(audit, 'email_verify', () => verifyEmail({ transactions, sessions, secrets, clock }, token), {}, ownAccount)),
        resendVerification: (email) => resendVerification(verification, email),
      },
      allowedOrigins: config.CORS_ORIGINS,
      addressOf: deps.addressOf,
      appUrl: config.APP_URL,
      signInUrl: config.SIGN_IN_URL,
      limits: { verify: limits.verifyEmail, resend: limits.resendPerAddress },
    }),
  );
  return routes;
}
