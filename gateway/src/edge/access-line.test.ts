import { createLogger } from '@gatehouse/logger';
import { captureLogs } from '@gatehouse/testing';
import { fastAccessLine, type AccessRecord } from './access-line';

const TIME = /"time":"[^"]+"/;

/** The same record through pino and through the template, times set aside. */
function bothLines(record: AccessRecord, traceContext = false) {
  const logs = captureLogs();
  const lines = createLogger({ service: 'gateway', level: 'info', destination: logs.stream, traceContext }).child({}, { redact: [] });
  const write = fastAccessLine(lines);
  const req = { id: record.id, method: record.method, url: record.url, remoteAddress: record.remoteAddress };
  lines.info({ req, res: { statusCode: record.statusCode }, responseTime: record.responseTime }, record.msg);
  write?.(record);
  const [viaPino, viaTemplate] = logs.text().split(/(?<=\n)/);
  return { write, viaPino: viaPino?.replace(TIME, ''), viaTemplate: viaTemplate?.replace(TIME, ''), time: viaTemplate && TIME.exec(viaTemplate)?.[0] };
}

const answered: AccessRecord = {
  id: 'r-1',
  method: 'GET',
  url: '/api/user/profile',
  remoteAddress: '127.0.0.1',
  statusCode: 200,
  responseTime: 3,
  msg: 'request completed',
};

describe('the access line template', () => {
  it.each<[string, AccessRecord]>([
    ['an answered request', answered],
    ['a request aborted before its headers', { ...answered, statusCode: null, msg: 'request aborted' }],
    ['a socket already gone', { ...answered, remoteAddress: undefined }],
    ['a path that needs escaping', { ...answered, url: '/api/user/"quoted"\\back\u0001\u2028é' }],
  ])('when %s is logged, then the line is byte for byte the one pino writes', (_name, record) => {
    const { write, viaPino, viaTemplate, time } = bothLines(record);
    expect(write).toBeDefined();
    expect(viaTemplate).toBe(viaPino);
    expect(time).toMatch(/^"time":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"$/);
  });

  it('when the logger adds trace fields, then pino writes the lines', () => {
    expect(bothLines(answered, true).write).toBeUndefined();
  });

  it('when info lines are off, then nothing is written', () => {
    const logs = captureLogs();
    const lines = createLogger({ service: 'gateway', level: 'warn', destination: logs.stream }).child({}, { redact: [] });
    fastAccessLine(lines)?.(answered);
    expect(logs.text()).toBe('');
  });
});
