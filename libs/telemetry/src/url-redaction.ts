import type { IncomingMessage, RequestOptions } from 'node:http';

/** What stands in for every query value in a span: the names say enough to debug a request. */
const REDACTED = 'REDACTED';

/**
 * `search` (without its `?`) with every value replaced. Links in our emails carry one-time
 * tokens in the query (`/api/auth/verify-email?token=…`), and no list of sensitive parameter
 * names can be trusted to stay complete, so no value is kept.
 */
export function redactQuery(search: string): string {
  return search
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=');
      return equals === -1 ? pair : `${pair.slice(0, equals)}=${REDACTED}`;
    })
    .join('&');
}

function splitTarget(target: string): { path: string; query: string | undefined } {
  const mark = target.indexOf('?');
  return mark === -1 ? { path: target, query: undefined } : { path: target.slice(0, mark), query: target.slice(mark + 1) };
}

/** Server spans: `url.query` with its values redacted (the instrumentation keeps them). */
export function redactedIncomingQuery(request: IncomingMessage): Record<string, string> {
  const { query } = splitTarget(request.url ?? '');
  return query === undefined ? {} : { 'url.query': redactQuery(query) };
}

/**
 * Client spans: `url.full` as the instrumentation builds it, with its query values redacted
 * and without credentials.
 */
export function redactedOutgoingUrl(options: RequestOptions): Record<string, string> {
  const protocol = options.protocol ?? 'http:';
  const port = options.port === undefined || options.port === null ? '' : String(options.port);
  let host = options.host ?? options.hostname ?? 'localhost';
  if (!host.includes(':') && port !== '' && port !== '80' && port !== '443') host += `:${port}`;
  const { path, query } = splitTarget(options.path ?? '/');
  return { 'url.full': `${protocol}//${host}${path}${query === undefined ? '' : `?${redactQuery(query)}`}` };
}
