import pino from 'pino';
import type { Logger } from '@gatehouse/logger';

/** One answered edge request, as its access line has it. */
export interface AccessRecord {
  readonly id: string;
  readonly method: string | undefined;
  readonly url: string;
  readonly remoteAddress: string | undefined;
  /** null when the response never got its headers out. */
  readonly statusCode: number | null;
  readonly responseTime: number;
  readonly msg: string;
}

/** Writes one info-level access line; false when the logger's level drops it. */
export type AccessLineWriter = (record: AccessRecord) => void;

const INFO = 30;
const FIELDS = ['req', 'res', 'responseTime'];

const str = (value: string) => JSON.stringify(value);

/**
 * The access line pino would write for `record` on `lines`, built as one template string, the
 * way nginx's compiled `log_format` does: pino walks the record's keys, looks up serializers and
 * stringifies each value, and formats the time, which costs several times the line itself at
 * proxy rates. Only for a logger whose line this reproduces byte for byte (the time is formatted
 * once per millisecond, as pino's isoTime would); otherwise undefined, and pino writes the line.
 * access-line.test.ts compares the two.
 */
export function fastAccessLine(lines: Logger): AccessLineWriter | undefined {
  const s = pino.symbols;
  // Not in pino's typings, yet a prefix would change every message.
  const msgPrefixSym = (s as unknown as Record<string, symbol | undefined>).msgPrefixSym;
  const internals = lines as unknown as Record<symbol, unknown>;
  const serializers = internals[s.serializersSym] as Record<string, unknown>;
  const stringifiers = internals[s.stringifiersSym] as Record<string | symbol, unknown>;
  const formatters = internals[s.formattersSym] as { log?: unknown };
  const hooks = internals[s.hooksSym] as { streamWrite?: unknown };
  const stream = internals[s.streamSym] as { write(line: string): void } & Record<symbol, unknown>;
  const reproducible =
    internals[s.mixinSym] === undefined &&
    internals[s.timeSym] === pino.stdTimeFunctions.isoTime &&
    internals[s.messageKeySym] === 'msg' &&
    !internals[s.nestedKeySym] &&
    (msgPrefixSym === undefined || internals[msgPrefixSym] === undefined) &&
    formatters.log === undefined &&
    hooks.streamWrite === undefined &&
    stream[s.needsMetadataGsym] !== true &&
    Object.keys(stringifiers).length === 0 &&
    stringifiers[s.wildcardFirstSym] === undefined &&
    FIELDS.every((field) => serializers[field] === undefined);
  if (!reproducible) return undefined;
  const head = (internals[s.lsCacheSym] as Record<number, string>)[INFO];
  const bindings = internals[s.chindingsSym] as string;
  const end = internals[s.endSym] as string;
  let lastMs = 0;
  let time = '';
  return (record) => {
    if (lines.levelVal > INFO) return;
    const now = Date.now();
    if (now !== lastMs) {
      lastMs = now;
      time = `,"time":"${new Date(now).toISOString()}"`;
    }
    const remote = record.remoteAddress === undefined ? '' : `,"remoteAddress":${str(record.remoteAddress)}`;
    const method = record.method === undefined ? '' : `"method":${str(record.method)},`;
    stream.write(
      `${head}${time}${bindings},"req":{"id":${str(record.id)},${method}"url":${str(record.url)}${remote}},"res":{"statusCode":${record.statusCode}},"responseTime":${record.responseTime},"msg":${str(record.msg)}${end}`,
    );
  };
}
