import { write, writeSync } from 'node:fs';

export interface BatchedOutputOptions {
  /**
   * A batch is written once it would grow past this many characters. 3 KiB of mostly ASCII
   * lines stays under PIPE_BUF (4 KiB), so each write to a pipe is atomic and never interleaves
   * with another logger writing to the same stdout.
   */
  readonly maxChars?: number;
  /** Longest a line waits before it is written. */
  readonly flushMs?: number;
}

/** Where batches go. */
export interface ChunkWriter {
  write(chunk: string): void;
  /** Writes everything still queued, blocking; for the process's last moments. */
  flushSync?(): void;
}

/** A pino destination (`write(line)`) that writes whole lines in batches. */
export interface BatchedOutput {
  write(line: string): void;
  /** Hands what is pending to the writer now. */
  flush(): void;
  /** Writes everything pending, blocking: for an exiting process. */
  flushSync(): void;
  /** Flushes and stops the timer. */
  close(): void;
}

/**
 * Access-log lines gathered and written in batches, as nginx's `access_log … buffer=… flush=…`
 * and Envoy's access-log flush interval do: one write per few kilobytes or per second instead
 * of one per request, which at proxy rates costs as much as the rest of the logging. A crash
 * loses at most the pending second; main.ts flushes it on exit.
 */
export function batchedOutput(out: ChunkWriter, options: BatchedOutputOptions = {}): BatchedOutput {
  const maxChars = options.maxChars ?? 3 * 1024;
  let pending: string[] = [];
  let chars = 0;
  const flush = () => {
    if (pending.length === 0) return;
    const batch = pending.join('');
    pending = [];
    chars = 0;
    out.write(batch);
  };
  const timer = setInterval(flush, options.flushMs ?? 1000);
  timer.unref();
  return {
    write(line) {
      if (chars + line.length > maxChars) flush();
      pending.push(line);
      chars += line.length;
    },
    flush,
    flushSync() {
      flush();
      out.flushSync?.();
    },
    close() {
      clearInterval(timer);
      flush();
    },
  };
}

/** How long to wait before writing again to a pipe that is full (EAGAIN). */
const RETRY_MS = 10;

/**
 * Writes chunks to a file descriptor in order, one `fs.write` at a time off the event loop (as
 * pino's default destination does): a log reader that falls behind fills a queue, it never
 * blocks request handling, which `process.stdout` (synchronous for pipes on Linux) would.
 */
export function fdWriter(fd: number): ChunkWriter {
  const queue: Buffer[] = [];
  let writing = false;
  const next = (): void => {
    const chunk = queue[0];
    if (chunk === undefined) {
      writing = false;
      return;
    }
    writing = true;
    write(fd, chunk, 0, chunk.length, null, (error, written) => {
      if (error) {
        if ((error as NodeJS.ErrnoException).code === 'EAGAIN') {
          setTimeout(next, RETRY_MS);
          return;
        }
        // A closed or broken stdout has no reader left to tell.
        queue.length = 0;
        writing = false;
        return;
      }
      if (written < chunk.length) queue[0] = chunk.subarray(written);
      else queue.shift();
      next();
    });
  };
  return {
    write(chunk) {
      queue.push(Buffer.from(chunk));
      if (!writing) next();
    },
    flushSync() {
      // The chunk being written is left to its write, which has most likely reached the
      // kernel already: writing it again would double its lines.
      for (const chunk of queue.splice(writing ? 1 : 0)) {
        try {
          writeSync(fd, chunk);
        } catch {
          return;
        }
      }
    },
  };
}
