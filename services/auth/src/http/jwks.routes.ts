import { Router } from 'express';
import { route } from '@gatehouse/http';
import type { KeySet } from '../crypto/signing-keys';

/** Public keys for verifiers. Cached briefly so a key added for rotation spreads within max-age. */
export function jwksRoutes(keys: KeySet, maxAgeSeconds: number): Router {
  const router = Router();
  const body = JSON.stringify(keys.jwks);
  route(router, '/.well-known/jwks.json', {
    GET: [
      (_req, res) => {
        res.setHeader('Cache-Control', `public, max-age=${maxAgeSeconds}`);
        res.type('application/jwk-set+json').send(body);
      },
    ],
  });
  return router;
}
