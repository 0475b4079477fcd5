import { createHash } from 'node:crypto';
import { Router, type RequestHandler } from 'express';
import { route } from '@gatehouse/http';
import type { Jwks } from '../crypto/signing-keys';

export interface WellKnownOptions {
  /** The keys to publish at the moment of the request; the same object while they stand. */
  readonly jwks: () => Jwks;
  /** Exactly the `iss` of our tokens: verifiers such as Istio compare the two as strings. */
  readonly issuer: string;
  /** Where verifiers reach us when the issuer is not itself a URL (development). */
  readonly publicUrl: string;
  readonly maxAgeSeconds: number;
}

/** The base the well-known documents hang off: the issuer when it is a URL, else the public URL. */
function baseOf(issuer: string, publicUrl: string): string {
  const base = /^https?:\/\//.test(issuer) ? issuer : publicUrl;
  return base.endsWith('/') ? base : `${base}/`;
}

interface Tagged {
  readonly body: string;
  readonly etag: string;
}

function tagged(document: unknown): Tagged {
  const body = JSON.stringify(document);
  return { body, etag: `"${createHash('sha256').update(body).digest('base64url')}"` };
}

/**
 * Serves a JSON document with a strong ETag: verifiers that poll (Envoy every 10 minutes, istiod
 * every 20) get `304 Not Modified` until a key changes. `document` is asked on every request and
 * serialised again only when it answers a different object.
 */
function jsonDocument(document: () => unknown, type: string, maxAgeSeconds: number): RequestHandler {
  let last: { readonly source: unknown; readonly tagged: Tagged } | undefined;
  return (req, res) => {
    const source = document();
    const current = last !== undefined && last.source === source ? last : { source, tagged: tagged(source) };
    last = current;
    const { body, etag } = current.tagged;
    res.setHeader('Cache-Control', `public, max-age=${maxAgeSeconds}`);
    res.setHeader('ETag', etag);
    const match = req.headers['if-none-match'];
    if (typeof match === 'string' && match.split(',').some((tag) => tag.trim() === etag || tag.trim() === '*')) {
      res.status(304).end();
      return;
    }
    res.type(type).send(body);
  };
}

/**
 * Public keys and discovery metadata for verifiers (RFC 8414, and the same document where OpenID
 * Connect tools look for it). The metadata states only what is true today: the issuer and where
 * its keys are; a token endpoint is advertised once there is one.
 */
export function wellKnownRoutes(options: WellKnownOptions): Router {
  const router = Router();
  const base = baseOf(options.issuer, options.publicUrl);
  const jwks = jsonDocument(options.jwks, 'application/jwk-set+json', options.maxAgeSeconds);
  const metadataDocument = { issuer: options.issuer, jwks_uri: new URL('.well-known/jwks.json', base).toString() };
  const metadata = jsonDocument(() => metadataDocument, 'application/json', options.maxAgeSeconds);
  route(router, '/.well-known/jwks.json', { GET: [jwks] });
  route(router, '/.well-known/oauth-authorization-server', { GET: [metadata] });
  route(router, '/.well-known/openid-configuration', { GET: [metadata] });
  return router;
}
