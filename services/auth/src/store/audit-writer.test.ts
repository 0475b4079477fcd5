import { createAuditWriter, type AuditWriterOptions } from './audit-writer';

/** A sink that records batches and can be made to fail; a timer the test fires by hand. */
function setup(overrides: Partial<AuditWriterOptions<number>> = {}) {
  const batches: number[][] = [];
  const state = { failing: false, dropped: 0, tick: undefined as (() => void) | undefined, stopped: false };
  const errors: unknown[] = [];
  const writer = createAuditWriter<number>({
    sink: async (batch) => {
      if (state.failing) throw new Error('database down');
      batches.push([...batch]);
    },
    logger: { error: (fields: unknown) => errors.push(fields), warn: () => undefined } as never,
    batchSize: 3,
    flushIntervalMs: 1000,
    maxBuffered: 5,
    onDropped: (count) => (state.dropped += count),
    every: (_ms, tick) => {
      state.tick = tick;
      return () => (state.stopped = true);
    },
    ...overrides,
  });
  return { writer, batches, state, errors };
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
});
