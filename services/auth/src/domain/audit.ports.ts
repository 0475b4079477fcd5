import { isAppError } from '@gatehouse/errors';

/**
 * What the audit log records. A closed list: the admin query validates against it, and a new
 * kind of record is one entry here plus one `record` (or `audited`) call where it happens.
 */
export const AUDIT_ACTIONS = [
  'register',
  'login',
  'refresh_reuse',
  'logout',
  'session_end',
  'password_reset',
  'password_change',
  'email_verify',
  'mfa_enroll',
  'mfa_remove',
  'passkey_register',
  'passkey_remove',
  'user_delete',
  'client_create',
  'client_delete',
] as const;

export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export type AuditOutcome = 'success' | 'failure';

/** Who acted: the user themself, an admin acting on someone else, or a service client. */
export interface AuditActor {
  readonly kind: 'user' | 'admin' | 'client';
  readonly id: string;
}

/** What the domain knows of a record; the request's address, agent and ids are added by the trail. */
export interface AuditEntry {
  readonly action: AuditAction;
  readonly outcome: AuditOutcome;
  readonly actor?: AuditActor | null;
  /** The user id or client id acted upon. */
  readonly subject?: string | null;
  /** A stable error code for failures (`invalid_credentials`, `refresh_token_reused` …); never input. */
  readonly reason?: string;
}

/** Appends records; it never waits on storage, so recording costs a use case no round trip. */
export interface AuditTrail {
  record(entry: AuditEntry): void;
}

export const userActor = (id: string | null | undefined): AuditActor | null => (id ? { kind: 'user', id } : null);
export const adminActor = (id: string | null | undefined): AuditActor | null => (id ? { kind: 'admin', id } : null);
/** A user acting on their own account. */
export const ownAccount = (userId: string) => ({ actor: userActor(userId), subject: userId });

/** An error's stable code, or `internal_error`: messages and inputs never reach the log. */
export function failureReason(error: unknown): string {
  return isAppError(error) ? error.code : 'internal_error';
}

type Facts = Pick<AuditEntry, 'actor' | 'subject'>;

/**
 * Runs a use case and records its outcome under `action`: `known` is what the caller knew before
 * (used for a failure too); `fromResult` adds what the result tells, and may call a result that
 * refuses (rather than throws) a failure.
 */
export async function audited<T>(
  trail: AuditTrail,
  action: AuditAction,
  run: () => Promise<T>,
  known: Facts = {},
  fromResult?: (result: T) => Partial<Omit<AuditEntry, 'action'>>,
): Promise<T> {
  try {
    const result = await run();
    trail.record({ action, outcome: 'success', ...known, ...fromResult?.(result) });
    return result;
  } catch (error) {
    trail.record({ action, outcome: 'failure', ...known, reason: failureReason(error) });
    throw error;
  }
}

/**
 * `audited` for a sign-in, which learns whose account it concerns only partway (from the pending
 * login, or the passkey it looked up): `run` reports the account through `concerns` as soon as it
 * knows, so a failure after that names it. A success names the user as actor and subject; a result
 * that `pending` calls unfinished (waiting for a second factor) has no outcome yet and is not recorded.
 */
export async function auditedLogin<T>(
  trail: AuditTrail,
  run: (concerns: (userId: string) => void) => Promise<T>,
  pending: (result: T) => boolean = () => false,
): Promise<T> {
  let subject: string | null = null;
  try {
    const result = await run((userId) => {
      subject = userId;
    });
    if (!pending(result)) trail.record({ action: 'login', outcome: 'success', actor: userActor(subject), subject });
    return result;
  } catch (error) {
    trail.record({ action: 'login', outcome: 'failure', subject, reason: failureReason(error) });
    throw error;
  }
}
