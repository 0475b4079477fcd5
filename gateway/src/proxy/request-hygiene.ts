import type { RequestHandler } from 'express';
import { AppError } from '@gatehouse/errors';
import { isAmbiguousPath } from './path-prefix';

const IDENTITY_HEADERS = new Set(['x-user-id', 'x-user-roles', 'x-user-email']);

function isIdentityHeader(name: string): boolean {
  return IDENTITY_HEADERS.has(name) || name.startsWith('x-gatehouse-');
}

/**
 * Clients must never be able to claim an identity with a header: upstreams that trusted such a
 * header would be one gateway bug away from impersonation.
 */
export const stripIdentityHeaders: RequestHandler = (req, _res, next) => {
  for (const name of Object.keys(req.headers)) {
    if (isIdentityHeader(name)) delete req.headers[name];
  }
  for (let i = req.rawHeaders.length - 2; i >= 0; i -= 2) {
    if (isIdentityHeader(req.rawHeaders[i]!.toLowerCase())) req.rawHeaders.splice(i, 2);
  }
  next();
};

/** Paths whose meaning depends on who normalises them are refused, not forwarded. */
export const rejectAmbiguousPaths: RequestHandler = (req, _res, next) => {
  if (isAmbiguousPath(req.path)) {
    next(new AppError('not_found', 'No route for this path.'));
    return;
  }
  next();
};

const FORWARDING_HEADERS = ['forwarded', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'x-forwarded-port', 'x-real-ip'];

/**
 * With no trusted proxy in front, any forwarding header came from the client; upstreams that
 * trust one hop (us) would otherwise take a spoofed address or host as real.
 */
export function dropUntrustedForwardingHeaders(trustProxyHops: number): RequestHandler {
  return (req, _res, next) => {
    if (trustProxyHops === 0) for (const name of FORWARDING_HEADERS) delete req.headers[name];
    next();
  };
}
