import type { RequestHandler } from 'express';
import { AppError } from '@gatehouse/errors';
import { sendProblem } from '@gatehouse/http';

function tooLarge(limit: number): AppError {
  return new AppError('payload_too_large', `The request body must not exceed ${limit} bytes.`);
}

/**
 * Bodies are streamed to upstreams unparsed, so the limit is enforced here: by Content-Length
 * up front, and by counting for chunked bodies, answering 413 and cutting the upstream off as
 * soon as the count passes the limit.
 */
export function bodyLimit(limitBytes: number): RequestHandler {
  return (req, res, next) => {
    const declared = req.headers['content-length'];
    if (declared !== undefined) {
      const length = Number(declared);
      if (!Number.isSafeInteger(length) || length < 0) {
        next(new AppError('validation_failed', 'Content-Length is not valid.'));
        return;
      }
      if (length > limitBytes) {
        res.setHeader('Connection', 'close');
        next(tooLarge(limitBytes));
        return;
      }
      next();
      return;
    }
    if (req.headers['transfer-encoding'] === undefined) {
      next();
      return;
    }
    let received = 0;
    // Paused first, so this listener does not start the flow before the proxy pipes the body.
    req.pause();
    req.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received <= limitBytes || res.headersSent) return;
      req.unpipe();
      res.setHeader('Connection', 'close');
      const id = (req as { id?: unknown }).id;
      sendProblem(res, tooLarge(limitBytes), typeof id === 'string' ? id : undefined);
      res.locals.abortUpstream?.();
    });
    next();
  };
}
