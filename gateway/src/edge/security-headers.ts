import type { IncomingMessage, ServerResponse } from 'node:http';
import cors, { type CorsOptions } from 'cors';
import helmet from 'helmet';

/** The CORS policy of every gateway response, on the edge and in the Express fallback alike. */
export function corsOptions(origins: readonly string[]): CorsOptions {
  return {
    origin: [...origins],
    credentials: true,
    allowedHeaders: ['Authorization', 'Content-Type', 'X-CSRF-Token', 'X-Request-Id'],
    exposedHeaders: ['X-Request-Id', 'WWW-Authenticate', 'Retry-After'],
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    maxAge: 600,
  };
}

type Header = readonly [name: string, value: string];

/**
 * The headers `helmet()` sets, taken from helmet itself once at startup: with its defaults they
 * depend on nothing in the request, so the edge sets the same bytes without running helmet's
 * dozen middlewares per request. The Express fallback still runs `helmet()` itself.
 */
export function helmetHeaders(): readonly Header[] {
  const headers: Header[] = [];
  const recorder = {
    setHeader(name: string, value: string | number | readonly string[]) {
      if (typeof value !== 'string') throw new Error(`helmet set ${name} to a non-string; the edge cannot precompute it`);
      headers.push([name, value]);
    },
    removeHeader() {
      // X-Powered-By: a plain Node response never has it.
    },
  };
  let finished = false;
  helmet()({ headers: {} } as IncomingMessage, recorder as unknown as ServerResponse, (error?: unknown) => {
    if (error) throw error;
    finished = true;
  });
  if (!finished) throw new Error('helmet did not finish synchronously; the edge cannot precompute its headers');
  return headers;
}

export interface EdgeHeaders {
  /** Sets the security and CORS headers; true when that answered the request (a CORS preflight). */
  apply(req: IncomingMessage, res: ServerResponse): boolean;
}

/**
 * What `cors` sets on an actual (non-preflight) response after the origin headers, taken from
 * the same options: they depend on nothing in the request.
 */
function corsResponseHeaders(options: CorsOptions): readonly Header[] {
  const headers: Header[] = [];
  if (options.credentials === true) headers.push(['Access-Control-Allow-Credentials', 'true']);
  const exposed = options.exposedHeaders;
  const exposedList = typeof exposed === 'string' ? exposed : (exposed ?? []).join(',');
  if (exposedList.length > 0) headers.push(['Access-Control-Expose-Headers', exposedList]);
  return headers;
}

/**
 * Security headers precomputed from helmet, then CORS. Preflights go through the `cors` package
 * with the shared options; every other request gets what `cors` would set, computed here: the
 * request's origin reflected when it is one of `origins`, `Vary: Origin`, and the fixed headers,
 * in cors's order (security-headers.test.ts holds the edge to Express's bytes). The `cors`
 * middleware copies its options and builds a header list on every call, which at proxy rates
 * costs more than the rest of the headers together.
 */
export function edgeHeaders(origins: readonly string[]): EdgeHeaders {
  const security = helmetHeaders();
  const options = corsOptions(origins);
  const applyPreflight = cors(options);
  const allowed = new Set(origins);
  const fixedCors = corsResponseHeaders(options);
  return {
    apply(req, res) {
      for (const [name, value] of security) res.setHeader(name, value);
      if (req.method === 'OPTIONS') {
        let answered = true;
        applyPreflight(req, res, () => {
          answered = false;
        });
        return answered;
      }
      const origin = req.headers.origin;
      if (origin !== undefined && allowed.has(origin)) res.setHeader('Access-Control-Allow-Origin', origin);
      // The response is fresh: nothing has set Vary before, so cors's append is a set.
      res.setHeader('Vary', 'Origin');
      for (const [name, value] of fixedCors) res.setHeader(name, value);
      return false;
    },
  };
}
