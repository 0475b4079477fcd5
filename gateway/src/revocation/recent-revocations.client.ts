import Joi from 'joi';

/** One revocation: whose tokens (`id`) and when it committed (`at`, ms since the epoch, auth's database clock). */
export interface RevokedEntry {
  readonly id: string;
  readonly at: number;
}

/** What auth's `GET /internal/revocations` answers: what was revoked within the window asked for. */
export interface RecentRevocations {
  readonly sessions: readonly RevokedEntry[];
  readonly users: readonly RevokedEntry[];
  readonly clients: readonly RevokedEntry[];
}

/** Fetches the revocations of the last window; rejects on any failure, `signal` aborts it. */
export type FetchRecentRevocations = (signal: AbortSignal) => Promise<RecentRevocations>;

/** Thrown for an answer that is not a usable list; says why without echoing the body. */
export class RecentRevocationsError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'RecentRevocationsError';
  }
}

/** Must match auth's `REVOCATIONS_PATH`; the gateway never proxies `/internal`, it only calls it. */
const REVOCATIONS_PATH = '/internal/revocations';
/** A hung auth must not hold the catch-up forever: the attempt fails and is retried. */
const FETCH_TIMEOUT_MS = 5000;
/** Ids are UUIDs or client ids; anything longer is not one of ours. */
const ID_MAX_LENGTH = 200;

const entries = Joi.array()
  .items(Joi.object({ id: Joi.string().max(ID_MAX_LENGTH).required(), at: Joi.number().integer().min(0).required() }))
  .required();
const answer = Joi.object<RecentRevocations>({ sessions: entries, users: entries, clients: entries });

interface Problem {
  readonly detail?: unknown;
  readonly errors?: ReadonlyArray<{ readonly message?: unknown }>;
}

/**
 * The `detail` (and field errors) of auth's problem+json for a 4xx, which name what to fix: a
 * window longer than auth's OUTBOX_RETENTION_SECONDS means the two disagree on the token lifetime.
 * They describe our own query, never data; a 5xx's might name auth's internals, so it is dropped.
 */
async function problemDetail(response: Response): Promise<string> {
  if (response.status >= 500) {
    await response.body?.cancel();
    return '';
  }
  const problem = (await response.json().catch(() => undefined)) as Problem | undefined;
  const fields = Array.isArray(problem?.errors) ? problem.errors.map((e) => e.message).filter((m) => typeof m === 'string') : [];
  const detail = [typeof problem?.detail === 'string' ? problem.detail : '', fields.length > 0 ? `(${fields.join('; ')})` : ''].filter(Boolean).join(' ');
  return detail ? `: ${detail.slice(0, 300)}` : '';
}

export interface RecentRevocationsClientOptions {
  /** Auth's base URL (AUTH_SERVICE_URL), reached directly, not through the gateway. */
  readonly authUrl: string;
  /** How far back to ask: the revocation TTL, the longest an access token issued before a revocation stays acceptable. */
  readonly windowSeconds: number;
}

/** Asks auth for the revocations a gateway may have missed, validated as every entry point is. */
export function recentRevocationsClient(options: RecentRevocationsClientOptions): FetchRecentRevocations {
  const url = `${options.authUrl.replace(/\/+$/, '')}${REVOCATIONS_PATH}?windowSeconds=${options.windowSeconds}`;
  return async (signal) => {
    const response = await fetch(url, { signal: AbortSignal.any([signal, AbortSignal.timeout(FETCH_TIMEOUT_MS)]), headers: { accept: 'application/json' } });
    if (!response.ok) throw new RecentRevocationsError(`auth answered ${response.status}${await problemDetail(response)}`, response.status);
    // JSON.parse's message quotes the body, which a log line must not carry.
    const body: unknown = await response.json().catch(() => {
      throw new RecentRevocationsError('auth answered no JSON');
    });
    const { error, value } = answer.validate(body, { abortEarly: false, stripUnknown: false });
    if (error) throw new RecentRevocationsError(`auth's answer breaks the contract: ${error.details.map((d) => d.path.join('.') || d.message).join(', ')}`);
    return value;
  };
}
