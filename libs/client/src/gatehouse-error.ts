/** A field the API refused: its path in the request body (`response.id`) and why. */
export interface FieldIssue {
  readonly path: string;
  readonly message: string;
}

/**
 * A failed Gatehouse call. `code` is the API's problem+json code (`invalid_credentials`,
 * `rate_limited` …), or `network_error` with `status` 0 when no answer came back.
 */
export class GatehouseError extends Error {
  override readonly name = 'GatehouseError';
  /** The fields a 400 `validation_failed` names; empty for every other failure. */
  readonly errors: readonly FieldIssue[];

  constructor(
    /** HTTP status, 0 when the server could not be reached. */
    readonly status: number,
    readonly code: string,
    message: string,
    /** Seconds to wait before trying again, from `Retry-After` (429, 503). */
    readonly retryAfter?: number,
    options?: { cause?: unknown; errors?: readonly FieldIssue[] },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.errors = options?.errors ?? [];
  }

  /** 429, 503 and network failures say "later", never "signed out". */
  get transient(): boolean {
    return this.status === 0 || this.status === 429 || this.status === 503;
  }
}

const isIssue = (value: unknown): value is FieldIssue =>
  typeof value === 'object' && value !== null && typeof (value as FieldIssue).path === 'string' && typeof (value as FieldIssue).message === 'string';

function retryAfterSeconds(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}

/** Reads an RFC 9457 answer from a clone, so the caller can still read the response. */
export async function errorFrom(response: Response): Promise<GatehouseError> {
  const problem = (await response
    .clone()
    .json()
    .catch(() => ({}))) as { code?: unknown; detail?: unknown; title?: unknown; errors?: unknown };
  const code = typeof problem.code === 'string' ? problem.code : `http_${response.status}`;
  const message = String(problem.detail ?? problem.title ?? (response.statusText || code));
  const errors = Array.isArray(problem.errors) ? problem.errors.filter(isIssue) : [];
  return new GatehouseError(response.status, code, message, retryAfterSeconds(response.headers.get('retry-after')), { errors });
}

/** `fetch` whose failure to connect rejects with a GatehouseError like every other failure. */
export async function send(request: Request): Promise<Response> {
  try {
    return await fetch(request);
  } catch (cause) {
    throw new GatehouseError(0, 'network_error', 'The server could not be reached.', undefined, { cause });
  }
}
