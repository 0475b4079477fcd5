import type { RequestHandler, Router } from 'express';
import { AppError } from '@gatehouse/errors';

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * Registers the handlers of one path and answers every other method with 405 and `Allow`,
 * before any handler (or state change) runs.
 */
export function route(router: Router, path: string, handlers: Partial<Record<Method, RequestHandler[]>>): void {
  const allowed = Object.keys(handlers) as Method[];
  for (const method of allowed) {
    const chain = handlers[method] ?? [];
    router[method.toLowerCase() as Lowercase<Method>](path, ...chain);
  }
  const allow = allowed.includes('GET') ? [...allowed, 'HEAD'] : allowed;
  router.all(path, (req, _res, next) => {
    next(new AppError('method_not_allowed', `${req.method} is not allowed here.`, { details: { allow: allow.join(', ') } }));
  });
}
