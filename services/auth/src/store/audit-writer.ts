import type { Logger } from '@gatehouse/logger';

/** Where batches go: one multi-row INSERT per call. */
export type AuditSink<R> = (batch: readonly R[]) => Promise<void>;

/** Why records were lost: the buffer overflowed, the process stopped, or the table refused them. */
export type AuditDropReason = 'buffer_full' | 'shutdown' | 'rejected';

/** A write that failed and will be tried again, or a record the table refused and never will take. */
export type AuditWriteFailure = 'transient' | 'rejected';

export interface AuditWriterOptions<R> {
  readonly sink: AuditSink<R>;
  readonly logger: Pick<Logger, 'error' | 'warn'>;
  /** Records per INSERT; reaching it starts a flush at once. */
  readonly batchSize: number;
  /** The longest a record waits in memory while traffic is light. */
  readonly flushIntervalMs: number;
  /** Records kept while storage is down; past it the oldest go (and are counted). */
  readonly maxBuffered: number;
  readonly onDropped: (count: number, reason: AuditDropReason) => void;
  readonly onWriteFailure?: (kind: AuditWriteFailure) => void;
  /** Whether the sink's error condemns the data rather than the moment; PostgreSQL's classes 22 and 23 unless given. */
  readonly isRejection?: (error: unknown) => boolean;
  /** Repeats `tick` every `ms` and returns a way to stop; an unref'd setInterval unless injected. */
  readonly every?: (ms: number, tick: () => void) => () => void;
}

/** A bounded in-memory buffer in front of the audit table. */
export interface AuditWriter<R> {
  /** Buffers the record; never waits and never throws. */
  append(record: R): void;
  /** Writes everything buffered, batch by batch; a batch that failed for the moment stays buffered for the next try. */
  flush(): Promise<void>;
  start(): void;
  /** Stops the timer and writes what is left (what still fails is logged as lost). */
  stop(): Promise<void>;
  readonly buffered: number;
}

const everyInterval = (ms: number, tick: () => void) => {
  const timer = setInterval(tick, ms);
  timer.unref();
  return () => clearInterval(timer);
};

const sqlState = (error: unknown): string | undefined => {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
};

/**
 * PostgreSQL's data exception (22…) and integrity constraint violation (23…) classes: the row
 * itself is refused, and sending it again fails again. Everything else (connection loss, 08…,
 * 53…, 57…, and errors with no SQLSTATE at all) is worth another try.
 */
export function isDataError(error: unknown): boolean {
  return /^2[23]/.test(sqlState(error) ?? '');
}

/**
 * What a log line may say of a write error. A data error's message and detail quote the
 * refused value (`invalid input syntax for type cidr: "…"`, `Failing row contains (…)`), so only
 * its SQLSTATE and the constraint or column it names are kept; a connection error quotes no row.
 */
function errorFields(error: unknown): Record<string, unknown> {
  const code = sqlState(error);
  if (!code) return { err: error };
  const { constraint, column } = error as { constraint?: string; column?: string };
  return { code, ...(constraint ? { constraint } : {}), ...(column ? { column } : {}) };
}

/**
 * Batches audit records off the request path: appending costs a push, storage sees one INSERT
 * per `batchSize` records or per interval. When storage fails for the moment the batch goes back
 * to the front and is retried; when it refuses the data, the batch is written row by row and only
 * the refused rows are dropped, so one bad record never holds back the ones behind it. The buffer
 * stays bounded by dropping the oldest records, so an outage costs memory up to `maxBuffered` and
 * never blocks a login. Every dropped record is counted and written whole to the error log (a
 * record holds no secret), where the log pipeline keeps it.
 */
export function createAuditWriter<R>(options: AuditWriterOptions<R>): AuditWriter<R> {
  const buffer: R[] = [];
  const isRejection = options.isRejection ?? isDataError;
  let flushing: Promise<void> | undefined;
  let cancel: (() => void) | undefined;

  const drop = (records: readonly R[], reason: AuditDropReason, fields: Record<string, unknown> = {}) => {
    if (records.length === 0) return;
    options.onDropped(records.length, reason);
    for (const record of records) options.logger.error({ auditRecord: record, reason, ...fields }, 'audit record dropped');
  };

  const trim = () => {
    const excess = buffer.length - options.maxBuffered;
    if (excess > 0) drop(buffer.splice(0, excess), 'buffer_full', { maxBuffered: options.maxBuffered });
  };

  const requeue = (records: readonly R[], error: unknown) => {
    buffer.unshift(...records);
    options.onWriteFailure?.('transient');
    trim();
    options.logger.warn({ ...errorFields(error), buffered: buffer.length }, 'writing audit records failed; retrying on the next flush');
  };

  /** Writes `batch` one record per INSERT, dropping those refused; false when storage failed for the moment. */
  const writeOneByOne = async (batch: readonly R[]): Promise<boolean> => {
    for (const [index, record] of batch.entries()) {
      try {
        await options.sink([record]);
      } catch (error) {
        if (!isRejection(error)) {
          requeue(batch.slice(index), error);
          return false;
        }
        options.onWriteFailure?.('rejected');
        drop([record], 'rejected', errorFields(error));
      }
    }
    return true;
  };

  const drain = async () => {
    while (buffer.length > 0) {
      const batch = buffer.splice(0, options.batchSize);
      try {
        await options.sink(batch);
      } catch (error) {
        if (!isRejection(error)) {
          requeue(batch, error);
          return;
        }
        if (!(await writeOneByOne(batch))) return;
      }
    }
  };

  const flush = (): Promise<void> => {
    flushing ??= drain().finally(() => {
      flushing = undefined;
    });
    return flushing;
  };

  return {
    append(record) {
      buffer.push(record);
      trim();
      if (buffer.length >= options.batchSize && !flushing) void flush();
    },
    flush,
    start() {
      cancel?.();
      cancel = (options.every ?? everyInterval)(options.flushIntervalMs, () => void flush());
    },
    async stop() {
      cancel?.();
      cancel = undefined;
      await flushing;
      await flush();
      if (buffer.length > 0) {
        options.logger.error({ lost: buffer.length }, 'audit records could not be written before shutdown');
        drop(buffer.splice(0), 'shutdown');
      }
    },
    get buffered() {
      return buffer.length;
    },
  };
}
