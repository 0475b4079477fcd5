import type { Logger } from '@gatehouse/logger';

/** Where batches go: one multi-row INSERT per call. */
export type AuditSink<R> = (batch: readonly R[]) => Promise<void>;

export interface AuditWriterOptions<R> {
  readonly sink: AuditSink<R>;
  readonly logger: Pick<Logger, 'error' | 'warn'>;
  /** Records per INSERT; reaching it starts a flush at once. */
  readonly batchSize: number;
  /** The longest a record waits in memory while traffic is light. */
  readonly flushIntervalMs: number;
  /** Records kept while storage is down; past it the oldest go (and are counted). */
  readonly maxBuffered: number;
  readonly onDropped: (count: number) => void;
  /** Repeats `tick` every `ms` and returns a way to stop; an unref'd setInterval unless injected. */
  readonly every?: (ms: number, tick: () => void) => () => void;
}

/** A bounded in-memory buffer in front of the audit table. */
export interface AuditWriter<R> {
  /** Buffers the record; never waits and never throws. */
  append(record: R): void;
  /** Writes everything buffered, batch by batch; a failed batch stays buffered for the next try. */
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

/**
 * Batches audit records off the request path: appending costs a push, storage sees one INSERT
 * per `batchSize` records or per interval. When storage fails the batch goes back to the front
 * and is retried; the buffer stays bounded by dropping the oldest records, counted and logged,
 * so an outage costs memory up to `maxBuffered` and never blocks a login.
 */
export function createAuditWriter<R>(options: AuditWriterOptions<R>): AuditWriter<R> {
  const buffer: R[] = [];
  let flushing: Promise<void> | undefined;
  let cancel: (() => void) | undefined;

  const trim = () => {
    const excess = buffer.length - options.maxBuffered;
    if (excess <= 0) return;
    buffer.splice(0, excess);
    options.onDropped(excess);
    options.logger.error({ dropped: excess, maxBuffered: options.maxBuffered }, 'audit buffer full: oldest records dropped');
  };

  const drain = async () => {
    while (buffer.length > 0) {
      const batch = buffer.splice(0, options.batchSize);
      try {
        await options.sink(batch);
      } catch (error) {
        buffer.unshift(...batch);
        trim();
        options.logger.warn({ err: error, buffered: buffer.length }, 'writing audit records failed; retrying on the next flush');
        return;
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
        options.onDropped(buffer.length);
        buffer.length = 0;
      }
    },
    get buffered() {
      return buffer.length;
    },
  };
}
