import type { Agent, ClientRequest, IncomingMessage, ServerResponse } from 'node:http';
import { createProxyMiddleware, proxyEventsPlugin } from 'http-proxy-middleware';
import { AppError } from '@gatehouse/errors';
import type { Logger } from '@gatehouse/logger';
import { answerError, writeProblem } from './problem-response';

export interface UpstreamOptions {
  readonly name: string;
  readonly target: string;
  readonly agent: Agent;
  /** Longest silence allowed from the upstream once the request is sent. */
  readonly timeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly logger: Logger;
}

export interface UpstreamProxy {
  /**
   * Streams the request to the upstream with its path, headers and body unchanged (the caller
   * has cleaned them and set `x-request-id`), and the upstream's answer back.
   */
  forward(req: IncomingMessage, res: ServerResponse): void;
  /** Cuts off the upstream request of `req`, now or as soon as it starts. */
  abort(req: IncomingMessage): void;
}

class UpstreamTimeout extends Error {
  constructor(readonly phase: 'connect' | 'response') {
    super(`upstream ${phase} timed out`);
  }
}

function requestIdOf(req: IncomingMessage): string | undefined {
  const id = req.headers['x-request-id'];
  return typeof id === 'string' ? id : undefined;
}

/** A 'timeout' listener, shared: the request that timed out is `this`. */
function onResponseTimeout(this: ClientRequest): void {
  this.destroy(new UpstreamTimeout('response'));
}

function armTimeouts(proxyReq: ClientRequest, options: UpstreamOptions): void {
  proxyReq.setTimeout(options.timeoutMs, onResponseTimeout);
  const socket = proxyReq.socket;
  if (socket?.connecting) {
    const timer = setTimeout(() => proxyReq.destroy(new UpstreamTimeout('connect')), options.connectTimeoutMs);
    socket.once('connect', () => clearTimeout(timer));
    socket.once('close', () => clearTimeout(timer));
  }
}

function problemFor(error: Error & { code?: string }, name: string): AppError {
  if (error instanceof UpstreamTimeout || error.code === 'ETIMEDOUT') {
    return new AppError('upstream_timeout', `The ${name} service did not answer in time.`, { cause: error });
  }
  return new AppError('upstream_unavailable', `The ${name} service is unavailable.`, { cause: error });
}

/**
 * The target as http-proxy reads it (`url.parse`'s fields), parsed once: given a string, it
 * parses it again for every request.
 */
export function parsedTarget(target: string): { protocol: string; host: string; hostname: string; port: string; path: string } {
  const url = new URL(target);
  // url.parse leaves an IPv6 literal's brackets off the hostname; WHATWG keeps them.
  const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return { protocol: url.protocol, host: url.host, hostname, port: url.port, path: `${url.pathname}${url.search}` };
}

/**
 * One upstream behind http-proxy-middleware, over a keep-alive agent. Upstream failures become
 * problem+json: 502 when it cannot be reached, 504 when it is too slow.
 */
export function upstreamProxy(options: UpstreamOptions): UpstreamProxy {
  /** Upstream requests that may still need cutting off: only those carrying a streamed body. */
  const streaming = new WeakMap<IncomingMessage, ClientRequest>();
  const cutOff = new WeakSet<IncomingMessage>();
  const proxy = createProxyMiddleware<IncomingMessage, ServerResponse>({
    target: parsedTarget(options.target),
    agent: options.agent,
    changeOrigin: true,
    xfwd: true,
    // The defaults would log to the console and answer errors in plain text.
    ejectPlugins: true,
    plugins: [proxyEventsPlugin],
    on: {
      proxyReq(proxyReq, req) {
        armTimeouts(proxyReq, options);
        if (cutOff.has(req)) proxyReq.destroy();
        else if (req.headers['transfer-encoding'] !== undefined) streaming.set(req, proxyReq);
      },
      error(error, req, res) {
        const problem = problemFor(error, options.name);
        options.logger.warn({ err: error, upstream: options.name, requestId: requestIdOf(req), code: problem.code }, 'upstream request failed');
        if (!('writeHead' in res)) {
          res.destroy();
          return;
        }
        // Already answered (e.g. 413 for an oversized stream): nothing left to say.
        if (res.writableEnded) return;
        // Half an upstream response cannot be turned into a problem; cut it so the client sees it failed.
        if (res.headersSent) {
          res.destroy();
          return;
        }
        writeProblem(req, res, problem, requestIdOf(req));
      },
    },
  });
  return {
    forward(req, res) {
      // Only a failure to set up the proxy request lands here; the proxy reports its own errors above.
      void proxy(req, res, (error?: unknown) =>
        answerError(options.logger, req, res, error ?? new Error('the proxy declined the request'), requestIdOf(req) ?? ''),
      );
    },
    abort(req) {
      const proxyReq = streaming.get(req);
      if (proxyReq) proxyReq.destroy();
      else cutOff.add(req);
    },
  };
}
