import type { Agent, ClientRequest, IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler, Response } from 'express';
import { createProxyMiddleware, proxyEventsPlugin } from 'http-proxy-middleware';
import { AppError } from '@gatehouse/errors';
import { sendProblem } from '@gatehouse/http';
import type { Logger } from '@gatehouse/logger';
import { underAnyPrefix } from './path-prefix';

export interface UpstreamOptions {
  readonly name: string;
  readonly target: string;
  /** Requests whose path is one of these or below them go to this upstream, path unchanged. */
  readonly prefixes: readonly string[];
  /** Paths below these stay away even when below one of `prefixes`: another upstream serves them. */
  readonly except?: readonly string[];
  readonly agent: Agent;
  /** Longest silence allowed from the upstream once the request is sent. */
  readonly timeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly logger: Logger;
}

class UpstreamTimeout extends Error {
  constructor(readonly phase: 'connect' | 'response') {
    super(`upstream ${phase} timed out`);
  }
}

function requestIdOf(req: IncomingMessage): string | undefined {
  const id = (req as { id?: unknown }).id;
  return typeof id === 'string' ? id : undefined;
}

function armTimeouts(proxyReq: ClientRequest, options: UpstreamOptions): void {
  proxyReq.setTimeout(options.timeoutMs, () => proxyReq.destroy(new UpstreamTimeout('response')));
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
 * Streams matching requests to one upstream with the original path, Authorization and request
 * id, over a keep-alive agent. Upstream failures become problem+json: 502 when it cannot be
 * reached, 504 when it is too slow.
 */
export function upstreamProxy(options: UpstreamOptions): RequestHandler {
  const proxy = createProxyMiddleware<IncomingMessage, ServerResponse>({
    target: options.target,
    agent: options.agent,
    changeOrigin: true,
    xfwd: true,
    pathFilter: (pathname) => underAnyPrefix(pathname, options.prefixes) && !underAnyPrefix(pathname, options.except ?? []),
    // The defaults would log to the console and answer errors in plain text.
    ejectPlugins: true,
    plugins: [proxyEventsPlugin],
    on: {
      proxyReq(proxyReq, req, res) {
        const id = requestIdOf(req);
        if (id) proxyReq.setHeader('x-request-id', id);
        armTimeouts(proxyReq, options);
        (res as Response).locals.abortUpstream = () => proxyReq.destroy();
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
        sendProblem(res as Response, problem, requestIdOf(req));
      },
    },
  });
  return proxy as unknown as RequestHandler;
}
