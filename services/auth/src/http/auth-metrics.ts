import { Counter, type Registry } from 'prom-client';
import { isAppError } from '@gatehouse/errors';

/** Outcomes worth alerting on: reuse means a stolen token; throttling means an attack. */
export type AuthOutcome =
  'success' | 'invalid_credentials' | 'rate_limited' | 'email_not_verified' | 'reused' | 'invalid' | 'invalid_code' | 'dependency_unavailable' | 'other_error';

export interface AuthMetrics {
  /** Runs `action`, counting its outcome under `operation`, and passes its result or error on. */
  track<T>(operation: 'login' | 'login_mfa' | 'login_passkey' | 'refresh' | 'register' | 'logout', action: () => Promise<T>): Promise<T>;
}

export function createAuthMetrics(registry: Registry): AuthMetrics {
  const outcomes = new Counter({
    name: 'gatehouse_auth_outcomes_total',
    help: 'Auth operations by outcome (refresh reuse = likely token theft)',
    labelNames: ['operation', 'outcome'] as const,
    registers: [registry],
  });
  const outcomeOf = (error: unknown): AuthOutcome => {
    if (!isAppError(error)) return 'other_error';
    const byCode: Partial<Record<string, AuthOutcome>> = {
      invalid_credentials: 'invalid_credentials',
      rate_limited: 'rate_limited',
      email_not_verified: 'email_not_verified',
      refresh_token_reused: 'reused',
      refresh_token_invalid: 'invalid',
      mfa_token_invalid: 'invalid',
      mfa_code_invalid: 'invalid_code',
      passkey_invalid: 'invalid_credentials',
      passkey_challenge_invalid: 'invalid',
      dependency_unavailable: 'dependency_unavailable',
    };
    return byCode[error.code] ?? 'other_error';
  };
  return {
    async track(operation, action) {
      try {
        const result = await action();
        outcomes.inc({ operation, outcome: 'success' });
        return result;
      } catch (error) {
        outcomes.inc({ operation, outcome: outcomeOf(error) });
        throw error;
      }
    },
  };
}
