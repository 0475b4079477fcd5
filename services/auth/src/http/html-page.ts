import { createHash } from 'node:crypto';
import type { RequestHandler, Response } from 'express';
import { escapeHtml } from '@gatehouse/html';
import { SINGLE_USE_TOKEN_SHAPE } from '../domain/single-use-token';

/** What the emailed links open: a short message, optionally a form its script submits. */
export interface Page {
  readonly status: number;
  readonly title: string;
  /** Shown in the live region the script rewrites with the outcome. */
  readonly message: string;
  /** Markup built here with `escapeHtml`, never raw input. */
  readonly form?: string;
  readonly script?: PageScript;
}

/** A script a page loads from our origin: the gateway's CSP allows no inline script. */
export interface PageScript {
  readonly path: string;
  readonly source: string;
  /** The path with a digest of the source, so a cached copy never outlives a deploy. */
  readonly src: string;
}

/** Cached for as long as the content digest in the URL stays the same, i.e. for good. */
const SCRIPT_CACHE_CONTROL = 'public, max-age=31536000, immutable';

/** The origin the pages are served from (the gateway's public one), which their scripts POST from. */
export function pageOrigin(appUrl: string): string {
  return new URL(appUrl).origin;
}

/** The token of an emailed link, or undefined for anything that must not be put in a page. */
export function linkToken(value: unknown): string | undefined {
  return typeof value === 'string' && SINGLE_USE_TOKEN_SHAPE.test(value) ? value : undefined;
}

export function pageScript(path: string, source: string): PageScript {
  const version = createHash('sha256').update(source).digest('base64url').slice(0, 16);
  return { path, source, src: `${path}?v=${version}` };
}

export function serveScript(script: PageScript): RequestHandler {
  return (_req, res) => {
    res.set('Cache-Control', SCRIPT_CACHE_CONTROL).type('text/javascript; charset=utf-8').send(script.source);
  };
}

/**
 * Where a page's "Continue to Gatehouse" leads: the web app where users sign in (SIGN_IN_URL).
 * Not APP_URL, whose root the Ingress does not route: it serves only /api and /.well-known.
 */
export function continueLink(signInUrl: string): string {
  return new URL(signInUrl).toString();
}

/**
 * Pages are answers to one person's link: never cached, and their URL (which holds the token)
 * never leaves in a Referer, neither on the way to the script nor to the next site.
 */
export function sendPage(res: Response, page: Page, signInUrl: string): void {
  const title = escapeHtml(page.title);
  const script = page.script ? `<script type="module" src="${escapeHtml(page.script.src)}"></script>` : '';
  res
    .status(page.status)
    .set('Cache-Control', 'no-store')
    .set('Referrer-Policy', 'no-referrer')
    .type('html')
    .send(
      '<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">' +
        `<title>${title}</title>${script}</head>` +
        `<body><h1>${title}</h1><p id="status" role="status">${escapeHtml(page.message)}</p>${page.form ?? ''}` +
        `<p><a href="${escapeHtml(continueLink(signInUrl))}">Continue to Gatehouse</a></p></body></html>`,
    );
}
