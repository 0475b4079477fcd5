import { createHash } from 'node:crypto';
import { Router, type RequestHandler } from 'express';
import { route } from '@gatehouse/http';
import type { Jwks } from '../crypto/signing-keys';
import { TOKEN_PATH } from './token.routes';

export interface WellKnownOptions {
  /** The keys to publish at the moment of the request; the same object while they stand. */
  readonly jwks: () => Jwks;
  /** Exactly the `iss` of our tokens: verifiers such as Istio compare the two as strings. */
  readonly issuer: string;
  /** Where verifiers reach us when the issuer is not itself a URL (development). */
  readonly publicUrl: string;
  readonly maxAgeSeconds: number;
  /** The scopes clients can be granted (OAUTH_SCOPES). */
  readonly scopes: readonly string[];
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
 * RFC 8414 metadata stating only what is true: the issuer, its keys, and a token endpoint for the
 * client credentials grant. No authorization endpoint and no response types: there are none.
 */
function metadataOf(options: WellKnownOptions, base: string) {
  return {
    issuer: options.issuer,
    jwks_uri: new URL('.well-known/jwks.json', base).toString(),
    token_endpoint: new URL(TOKEN_PATH.slice(1), base).toString(),
    grant_types_supported: ['client_credentials'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    scopes_supported: [...options.scopes],
  };
}

/**
 * Public keys and discovery metadata for verifiers and OAuth clients (RFC 8414, and the same
 * document where OpenID Connect tools look for it).
 */
export function wellKnownRoutes(options: WellKnownOptions): Router {
  const router = Router();
  const base = baseOf(options.issuer, options.publicUrl);
  const jwks = jsonDocument(options.jwks, 'application/jwk-set+json', options.maxAgeSeconds);
  const metadataDocument = metadataOf(options, base);
  const metadata = jsonDocument(() => metadataDocument, 'application/json', options.maxAgeSeconds);
  route(router, '/.well-known/jwks.json', { GET: [jwks] });
  route(router, '/.well-known/oauth-authorization-server', { GET: [metadata] });
  route(router, '/.well-known/openid-configuration', { GET: [metadata] });
  return router;
}
