import { resolve } from 'node:path';
import express, { Router } from 'express';

/**
 * The browser SDK's package, found from the repository root rather than through node_modules:
 * the page is a development aid, so the gateway does not depend on the client package (its
 * production image carries neither). Same depth from `src/example/` and `dist/example/`.
 */
const CLIENT_PACKAGE = resolve(__dirname, '../../../libs/client');
/** Only the compiled modules (and their maps) of dist/: not its declarations or build info. */
const SDK_MODULE = /\.js(\.map)?$/;

/**
 * The SDK's reference page at `/example/` and the compiled SDK at `/example/sdk/`, same origin
 * as the API so its cookies and CSP (`script-src 'self'`) hold as in a real app.
 */
export function exampleApp(clientPackage = CLIENT_PACKAGE): Router {
  const router = Router();
  router.use('/sdk', (req, _res, next) => next(SDK_MODULE.test(req.path) ? undefined : 'router'));
  router.use('/sdk', express.static(resolve(clientPackage, 'dist'), { index: false, redirect: false }));
  router.use(express.static(resolve(clientPackage, 'example')));
  return router;
}
