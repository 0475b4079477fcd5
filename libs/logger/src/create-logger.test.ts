import { Writable } from 'node:stream';
import { createLogger } from './index';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { lines, stream };
}

describe('createLogger', () => {
  it('when a secret is logged, then it is redacted and the service is named', () => {
    const { lines, stream } = capture();
    const logger = createLogger({ service: 'auth', level: 'info', destination: stream });
    logger.info({ body: { password: 'hunter22', email: 'a@b.c' }, req: { headers: { authorization: 'Bearer x', cookie: 'c=1' } } }, 'hello');
    expect(lines).toHaveLength(1);
    const line = JSON.stringify(lines[0]);
    expect(line).not.toContain('hunter22');
    expect(line).not.toContain('Bearer x');
    expect(line).not.toContain('c=1');
    expect(lines[0]).toMatchObject({ service: 'auth', level: 'info', msg: 'hello', body: { email: 'a@b.c' } });
  });
});
