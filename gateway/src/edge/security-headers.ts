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

/** Security headers precomputed from helmet, then CORS from the `cors` package with the shared options. */
export function edgeHeaders(origins: readonly string[]): EdgeHeaders {
  const security = helmetHeaders();
  const applyCors = cors(corsOptions(origins));
  return {
    apply(req, res) {
      for (const [name, value] of security) res.setHeader(name, value);
      let answered = true;
      applyCors(req, res, () => {
        answered = false;
      });
      return answered;
    },
  };
}
