import type { RequestHandler } from 'express';
import { AppError } from '@gatehouse/errors';

const METHODS_WITH_BODY = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

function hasBody(headers: Record<string, string | string[] | undefined>): boolean {
  const length = headers['content-length'];
  return headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** A request that carries a body must say it is JSON; anything else is a 415. */
export const requireJsonBody: RequestHandler = (req, _res, next) => {
  if (METHODS_WITH_BODY.has(req.method) && hasBody(req.headers) && !req.is('application/json')) {
    next(new AppError('unsupported_media_type', 'Send the request body as application/json.'));
    return;
  }
  next();
};

/**
 * `handlers`, skipped for POSTs to exactly one of `paths`. Those routes speak a protocol whose
 * bodies are `application/x-www-form-urlencoded` (the OAuth token endpoint, RFC 6749 §4.4.2):
 * they read, cap and check their own body, media type included, so that every answer, errors
 * too, is in their protocol's format. Every other path and method keeps the JSON-only rules.
 */
export function exceptUrlencodedPosts(paths: readonly string[], handlers: readonly RequestHandler[]): RequestHandler[] {
  if (paths.length === 0) return [...handlers];
  const exempt = new Set(paths);
  return handlers.map((handler) => (req, res, next) => (req.method === 'POST' && exempt.has(req.path) ? next() : handler(req, res, next)));
}

function findForbiddenKey(value: unknown, depth = 0): string | undefined {
  if (depth > 32 || value === null || typeof value !== 'object') return undefined;
  for (const key of Object.keys(value)) {
    if (FORBIDDEN_KEYS.has(key)) return key;
    const found = findForbiddenKey((value as Record<string, unknown>)[key], depth + 1);
    if (found) return found;
  }
  return undefined;
}

/**
 * JSON.parse turns `"__proto__"` into an own key; code that later merges or spreads the body
 * could then rewrite prototypes. Refuse such bodies outright.
 */
export const rejectPrototypeKeys: RequestHandler = (req, _res, next) => {
  const key = findForbiddenKey(req.body);
  if (key) {
    next(new AppError('validation_failed', `The key "${key}" is not allowed.`, { details: { errors: [{ path: key, message: 'forbidden key' }] } }));
    return;
  }
  next();
};
