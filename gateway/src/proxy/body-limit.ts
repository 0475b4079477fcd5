import type { IncomingMessage, ServerResponse } from 'node:http';
import { AppError } from '@gatehouse/errors';

function tooLarge(limit: number): AppError {
  return new AppError('payload_too_large', `The request body must not exceed ${limit} bytes.`);
}

/**
 * Checks a request's body against the limit before it is streamed upstream: returns the error
 * to answer now, or undefined to go on. A chunked body is counted as it streams, and `overflow`
 * is called once the count passes the limit (the body has then been cut off from the upstream).
 */
export type BodyLimit = (
  req: IncomingMessage,
  res: ServerResponse,
  overflow: (req: IncomingMessage, res: ServerResponse, error: AppError) => void,
) => AppError | undefined;

/**
 * Bodies are streamed to upstreams unparsed, so the limit is enforced here: by Content-Length
 * up front, and by counting for chunked bodies, answering 413 and cutting the upstream off as
 * soon as the count passes the limit.
 */
export function bodyLimit(limitBytes: number): BodyLimit {
  return (req, res, overflow) => {
    const declared = req.headers['content-length'];
    if (declared !== undefined) {
      const length = Number(declared);
      if (!Number.isSafeInteger(length) || length < 0) return new AppError('validation_failed', 'Content-Length is not valid.');
      if (length > limitBytes) {
        res.setHeader('Connection', 'close');
        return tooLarge(limitBytes);
      }
      return undefined;
    }
    if (req.headers['transfer-encoding'] === undefined) return undefined;
    let received = 0;
    // Paused first, so this listener does not start the flow before the proxy pipes the body.
    req.pause();
    req.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received <= limitBytes || res.headersSent) return;
      req.unpipe();
      res.setHeader('Connection', 'close');
      overflow(req, res, tooLarge(limitBytes));
    });
    return undefined;
  };
}
