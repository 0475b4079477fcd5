import { Router } from 'express';
import Joi from 'joi';
import { route, singleLineText, validate } from '@gatehouse/http';
import type { RateLimiter } from '../store/rate-limiter.store';
import { verifyEmailScript } from './account-page.scripts';
import { allowedOrigin, limitByAddress, type AddressOf } from './guards';
import { escapeHtml } from '@gatehouse/html';
import { linkToken, pageOrigin, sendPage, serveScript, type Page } from './html-page';

export interface EmailVerificationUseCases {
  verifyEmail(token: string | undefined): Promise<void>;
  resendVerification(email: string): Promise<void>;
}

export interface EmailVerificationRoutesOptions {
  readonly useCases: EmailVerificationUseCases;
  readonly allowedOrigins: readonly string[];
  readonly addressOf: AddressOf;
  /** The public URL: the confirmation page is served from its origin and posts from there. */
  readonly appUrl: string;
  /** Where users sign in (SIGN_IN_URL): the confirmation page links on to it. */
  readonly signInUrl: string;
  readonly limits: { readonly verify: RateLimiter; readonly resend: RateLimiter };
}

const verifyBody = Joi.object<{ token: string }>({ token: singleLineText().max(100).required() });
const resendBody = Joi.object<{ email: string }>({ email: singleLineText().trim().lowercase().email({ tlds: false }).max(254).required() });

function confirmationPage(link: unknown): Page {
  const token = linkToken(link);
  if (!token) {
    return { status: 400, title: 'Link invalid', message: 'This link is invalid or has expired.' };
  }
  return {
    status: 200,
    title: 'Confirm your email',
    message: 'Press the button to confirm your email address.',
    form:
      `<form id="verify-email" method="post" data-token="${escapeHtml(token)}"><button type="submit" disabled>Confirm my email</button>` +
      '<noscript><p>Confirming needs JavaScript. Turn it on and reload this page.</p></noscript></form>',
    script: verifyEmailScript,
  };
}

export function emailVerificationRoutes(options: EmailVerificationRoutesOptions): Router {
  const router = Router();
  const { useCases, appUrl } = options;
  // The confirmation page is served from the public origin and posts from there.
  const origin = allowedOrigin([...options.allowedOrigins, pageOrigin(appUrl)]);

  route(router, '/api/auth/verify-email', {
    POST: [
      origin,
      limitByAddress(options.limits.verify, options.addressOf),
      async (req, res) => {
        await useCases.verifyEmail(validate(verifyBody, req.body).token);
        res.status(200).json({ emailVerified: true });
      },
    ],
    // The link in the email. Mail scanners open links, so a GET only shows the page whose
    // button sends the POST above; it changes nothing and needs no limit.
    GET: [(req, res) => sendPage(res, confirmationPage(req.query.token), options.signInUrl)],
  });

  route(router, verifyEmailScript.path, { GET: [serveScript(verifyEmailScript)] });

  route(router, '/api/auth/verify-email/resend', {
    POST: [
      origin,
      limitByAddress(options.limits.resend, options.addressOf),
      async (req, res) => {
        await useCases.resendVerification(validate(resendBody, req.body).email);
        res.status(202).json({ status: 'accepted' });
      },
    ],
  });

  return router;
}
