import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { batchedOutput, fdWriter } from './batched-output';

describe('batched access-log output', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  const sink = () => {
    const writes: string[] = [];
    return { writes, out: { write: (chunk: string) => writes.push(chunk) > 0 } };
  };

  it('when lines come in faster than the flush interval, then they are written together once the batch would pass its size', () => {
    const { writes, out } = sink();
    const output = batchedOutput(out, { maxChars: 10, flushMs: 1000 });
    output.write('aaaa\n');
    output.write('bbbb\n');
    expect(writes).toEqual([]);
    output.write('cccc\n');
    expect(writes).toEqual(['aaaa\nbbbb\n']);
    output.close();
  });

  it('when traffic is slow, then a line waits at most the flush interval', () => {
    const { writes, out } = sink();
    const output = batchedOutput(out, { maxChars: 1000, flushMs: 1000 });
    output.write('one\n');
    jest.advanceTimersByTime(999);
    expect(writes).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(writes).toEqual(['one\n']);
    jest.advanceTimersByTime(5000);
    expect(writes).toEqual(['one\n']);
    output.close();
  });

  it('when the output is closed, then what is pending is written and the timer stops', () => {
    const { writes, out } = sink();
    const output = batchedOutput(out, { maxChars: 1000, flushMs: 1000 });
    output.write('last\n');
    output.close();
    expect(writes).toEqual(['last\n']);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('when one line is longer than a batch, then it is written on its own', () => {
    const { writes, out } = sink();
    const output = batchedOutput(out, { maxChars: 4, flushMs: 1000 });
    output.write('a\n');
    output.write('a long line\n');
    output.write('b\n');
    expect(writes).toEqual(['a\n', 'a long line\n']);
    output.close();
    expect(writes).toEqual(['a\n', 'a long line\n', 'b\n']);
  });
});

describe('the file descriptor writer behind it', () => {
  let dir: string;
  let file: string;
  let fd: number;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'gh-fd-writer-'));
    file = join(dir, 'out.log');
    fd = openSync(file, 'a');
  });
  afterEach(() => {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  });

  it('when chunks are written back to back, then they reach the file whole and in order, without blocking the caller', async () => {
    const writer = fdWriter(fd);
    const chunks = Array.from({ length: 50 }, (_, i) => `line ${i}\n`);
    for (const chunk of chunks) writer.write(chunk);
    expect(readFileSync(file, 'utf8').length).toBeLessThan(chunks.join('').length);
    const deadline = Date.now() + 2000;
    while (readFileSync(file, 'utf8') !== chunks.join('') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(readFileSync(file, 'utf8')).toBe(chunks.join(''));
  });

  it('when the process is about to exit, then what is still queued is written at once', () => {
    const writer = fdWriter(fd);
    writer.write('first\n');
    writer.write('second\n');
    writer.write('third\n');
    writer.flushSync!();
    // The first chunk is already with its asynchronous write; the others are written now.
    expect(readFileSync(file, 'utf8')).toContain('second\nthird\n');
  });
});
