import { createAuditWriter, isDataError, type AuditDropReason, type AuditWriteFailure, type AuditWriterOptions } from './audit-writer';

/** What PostgreSQL throws for a value the column refuses: the message quotes the value. */
const refused = (value: number) =>
  Object.assign(new Error(`invalid input syntax for type cidr: "${value}"`), { code: '22P02', detail: `Failing row contains (${value})` });

/**
 * A sink that records batches and can be made to fail (`failing` with a connection error, or
 * `failWith`); it refuses every batch holding a negative number, as the table refuses a bad row.
 * A timer the test fires by hand.
 */
function setup(overrides: Partial<AuditWriterOptions<number>> = {}) {
  const batches: number[][] = [];
  const state = {
    failing: false,
    failWith: undefined as unknown,
    dropped: 0,
    droppedBy: {} as Partial<Record<AuditDropReason, number>>,
    failures: [] as AuditWriteFailure[],
    tick: undefined as (() => void) | undefined,
    stopped: false,
  };
  const errors: Record<string, unknown>[] = [];
  const warnings: Record<string, unknown>[] = [];
  const writer = createAuditWriter<number>({
    sink: async (batch) => {
      if (state.failing) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
      if (state.failWith) throw state.failWith;
      const bad = batch.find((n) => n < 0);
      if (bad !== undefined) throw refused(bad);
      batches.push([...batch]);
    },
    logger: { error: (fields: Record<string, unknown>) => errors.push(fields), warn: (fields: Record<string, unknown>) => warnings.push(fields) } as never,
    batchSize: 3,
    flushIntervalMs: 1000,
    maxBuffered: 5,
    onDropped: (count, reason) => {
      state.dropped += count;
      state.droppedBy[reason] = (state.droppedBy[reason] ?? 0) + count;
    },
    onWriteFailure: (kind) => state.failures.push(kind),
    every: (_ms, tick) => {
      state.tick = tick;
      return () => (state.stopped = true);
    },
    ...overrides,
  });
  return { writer, batches, state, errors, warnings };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('audit writer', () => {
  it('when fewer records than a batch arrive, then nothing is written until the interval fires, then one multi-row batch', async () => {
    const { writer, batches, state } = setup();
    writer.start();
    writer.append(1);
    writer.append(2);
    await settle();
    expect(batches).toEqual([]);
    state.tick!();
    await settle();
    expect(batches).toEqual([[1, 2]]);
    expect(writer.buffered).toBe(0);
  });

  it('when a batch fills, then it is written at once without waiting for the interval', async () => {
    const { writer, batches } = setup();
    [1, 2, 3, 4].forEach((n) => writer.append(n));
    await settle();
    expect(batches).toEqual([[1, 2, 3], [4]]);
  });

  it('when the sink fails, then the records stay buffered in order and the next flush writes them', async () => {
    const { writer, batches, state } = setup();
    state.failing = true;
    [1, 2].forEach((n) => writer.append(n));
    await writer.flush();
    expect(writer.buffered).toBe(2);
    state.failing = false;
    writer.append(3);
    await writer.flush();
    expect(batches).toEqual([[1, 2, 3]]);
    expect(state.dropped).toBe(0);
  });

  it('when the sink stays down past the bound, then the oldest records are dropped, counted and logged', async () => {
    const { writer, batches, state, errors } = setup();
    state.failing = true;
    [1, 2, 3, 4, 5, 6, 7].forEach((n) => writer.append(n));
    await writer.flush();
    expect(writer.buffered).toBe(5);
    expect(state.dropped).toBe(2);
    expect(errors).toContainEqual(expect.objectContaining({ maxBuffered: 5 }));
    state.failing = false;
    await writer.flush();
    expect(batches.flat()).toEqual([3, 4, 5, 6, 7]);
  });

  it('when stopped, then the timer ends and everything buffered is written', async () => {
    const { writer, batches, state } = setup();
    writer.start();
    [1, 2].forEach((n) => writer.append(n));
    await writer.stop();
    expect(state.stopped).toBe(true);
    expect(batches).toEqual([[1, 2]]);
  });

  it('when stopped while the sink is down, then what is left is counted as dropped', async () => {
    const { writer, state, errors } = setup();
    state.failing = true;
    writer.append(1);
    await writer.stop();
    expect(state.dropped).toBe(1);
    expect(writer.buffered).toBe(0);
    expect(errors).toContainEqual(expect.objectContaining({ lost: 1 }));
  });

  it('when the table refuses one record of a batch, then the batch is written row by row, only that record is dropped, and later records are written', async () => {
    const { writer, batches, state, errors } = setup();
    [1, -2, 3].forEach((n) => writer.append(n));
    await writer.flush();
    writer.append(4);
    await writer.flush();

    expect(batches).toEqual([[1], [3], [4]]);
    expect(writer.buffered).toBe(0);
    expect(state.droppedBy).toEqual({ rejected: 1 });
    expect(state.failures).toEqual(['rejected']);
    // The record (no secrets by design) and the SQLSTATE, never the message or detail quoting the value.
    expect(errors).toEqual([{ auditRecord: -2, reason: 'rejected', code: '22P02' }]);
  });

  it('when storage fails for the moment while a refused batch is written row by row, then the rest stays buffered in order', async () => {
    const written: number[][] = [];
    const { writer, state } = setup({
      sink: async (batch) => {
        if (batch.length > 1) throw refused(-1);
        if (batch[0] === 2) throw Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
        written.push([...batch]);
      },
    });
    [1, 2, 3].forEach((n) => writer.append(n));
    await writer.flush();

    expect(written).toEqual([[1]]);
    expect(writer.buffered).toBe(2);
    expect(state.dropped).toBe(0);
    expect(state.failures).toEqual(['transient']);
  });

  it.each([
    ['a connection error without SQLSTATE', Object.assign(new Error('Connection terminated unexpectedly'), {})],
    ['a lost connection (08006)', { code: '08006', message: 'connection failure' }],
    ['too many connections (53300)', { code: '53300', message: 'sorry, too many clients already' }],
    ['an administrator shutdown (57P01)', { code: '57P01', message: 'terminating connection' }],
  ])('when a batch fails with %s, then it stays buffered and nothing is dropped', async (_case, error) => {
    const { writer, state } = setup();
    state.failWith = error;
    [1, 2].forEach((n) => writer.append(n));
    await writer.flush();

    expect(writer.buffered).toBe(2);
    expect(state.dropped).toBe(0);
    expect(state.failures).toEqual(['transient']);
  });

  it('when errors are classified, then only data exceptions (22) and integrity violations (23) condemn the data', () => {
    expect(['22001', '22P02', '23514', '23502'].map((code) => isDataError({ code }))).toEqual([true, true, true, true]);
    expect(['08006', '53300', '57P01', '40001', 'ECONNREFUSED', undefined].map((code) => isDataError({ code }))).toEqual([
      false,
      false,
      false,
      false,
      false,
      false,
    ]);
    expect(isDataError(new Error('timeout'))).toBe(false);
  });

  it('when records are dropped for a full buffer or at shutdown, then each one is written whole to the error log with its reason', async () => {
    const { writer, state, errors } = setup();
    state.failing = true;
    [1, 2, 3, 4, 5, 6].forEach((n) => writer.append(n));
    await writer.stop();

    expect(state.droppedBy).toEqual({ buffer_full: 1, shutdown: 5 });
    const dropped = errors.filter((e) => 'auditRecord' in e);
    expect(dropped).toEqual([
      { auditRecord: 1, reason: 'buffer_full', maxBuffered: 5 },
      ...[2, 3, 4, 5, 6].map((n) => ({ auditRecord: n, reason: 'shutdown' })),
    ]);
  });
});
