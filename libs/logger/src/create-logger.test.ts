import { Writable } from 'node:stream';
import { context, ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
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

describe('trace context on log lines', () => {
  const traced = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.SAMPLED };
  const contextManager = new AsyncLocalStorageContextManager();
  beforeAll(() => context.setGlobalContextManager(contextManager.enable()));
  afterAll(() => {
    context.disable();
    contextManager.disable();
  });

  it('when tracing is on and a line is written inside a span, then it carries trace_id and span_id', () => {
    const { lines, stream } = capture();
    const logger = createLogger({ service: 'auth', level: 'info', destination: stream, traceContext: true });
    context.with(trace.setSpanContext(ROOT_CONTEXT, traced), () => logger.child({ requestId: 'r1' }).info('inside'));
    logger.info('outside');
    expect(lines[0]).toMatchObject({ msg: 'inside', trace_id: traced.traceId, span_id: traced.spanId, requestId: 'r1' });
    expect(lines[1]).toMatchObject({ msg: 'outside' });
    expect(lines[1]).not.toHaveProperty('trace_id');
  });

  it('when tracing is off, then no line carries trace fields even inside a span', () => {
    const { lines, stream } = capture();
    const logger = createLogger({ service: 'auth', level: 'info', destination: stream });
    context.with(trace.setSpanContext(ROOT_CONTEXT, traced), () => logger.info('inside'));
    expect(lines[0]).not.toHaveProperty('trace_id');
    expect(lines[0]).not.toHaveProperty('span_id');
  });
});
