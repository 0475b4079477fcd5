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

/** A path as Express routes it by default: case-insensitive, with or without a trailing slash. */
const routedAs = (path: string) => path.toLowerCase().replace(/(.)\/+$/, '$1');

/**
 * `handlers`, skipped for requests to one of `paths` (matched as Express routes them, so
 * `/API/Auth/Token/` counts). Those routes speak a protocol whose bodies are not JSON (the OAuth
 * token endpoint takes `application/x-www-form-urlencoded`, RFC 6749 §4.4.2): they read, cap and
 * check their own body, media type and method included, so that every answer, errors too, is in
 * their protocol's format. Every other path keeps the JSON-only rules.
 */
export function exceptProtocolPaths(paths: readonly string[], handlers: readonly RequestHandler[]): RequestHandler[] {
  if (paths.length === 0) return [...handlers];
  const exempt = new Set(paths.map(routedAs));
  return handlers.map((handler) => (req, res, next) => (exempt.has(routedAs(req.path)) ? next() : handler(req, res, next)));
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
