import { Router, type Response } from 'express';
import Joi from 'joi';
import { AppError } from '@gatehouse/errors';
import { route, singleLineText, validate } from '@gatehouse/http';
import type { RateLimiter } from '../store/rate-limiter.store';
import { allowedOrigin, limitByAddress, type AddressOf } from './guards';

export interface EmailVerificationUseCases {
  verifyEmail(token: string | undefined): Promise<void>;
  resendVerification(email: string): Promise<void>;
}

export interface EmailVerificationRoutesOptions {
  readonly useCases: EmailVerificationUseCases;
  readonly allowedOrigins: readonly string[];
  readonly addressOf: AddressOf;
  /** Where the confirmation page sends the reader next. */
  readonly appUrl: string;
  readonly limits: { readonly verify: RateLimiter; readonly resend: RateLimiter };
}

const verifyBody = Joi.object<{ token: string }>({ token: singleLineText().max(100).required() });
const resendBody = Joi.object<{ email: string }>({ email: singleLineText().trim().lowercase().email({ tlds: false }).max(254).required() });

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function sendPage(res: Response, status: number, title: string, message: string, appUrl: string): void {
  const link = escapeHtml(appUrl);
  res
    .status(status)
    .set('Cache-Control', 'no-store')
    .type('html')
    .send(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>` +
        `<body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p><p><a href="${link}">Continue to Gatehouse</a></p></body></html>`,
    );
}

export function emailVerificationRoutes(options: EmailVerificationRoutesOptions): Router {
  const router = Router();
  const { useCases, appUrl } = options;
  const origin = allowedOrigin(options.allowedOrigins);

  route(router, '/api/auth/verify-email', {
    POST: [
      origin,
      limitByAddress(options.limits.verify, options.addressOf),
      async (req, res) => {
        await useCases.verifyEmail(validate(verifyBody, req.body).token);
        res.status(200).json({ emailVerified: true });
      },
    ],
    // The link in the email: a person reads the answer, so it is a page, never the token echoed.
    GET: [
      limitByAddress(options.limits.verify, options.addressOf),
      async (req, res) => {
        const token = typeof req.query.token === 'string' ? req.query.token : undefined;
        try {
          await useCases.verifyEmail(token);
        } catch (error) {
          if (!(error instanceof AppError) || error.code !== 'verification_token_invalid') throw error;
          sendPage(res, 400, 'Link invalid', 'This link is invalid or has expired.', appUrl);
          return;
        }
        sendPage(res, 200, 'Email confirmed', 'Email confirmed. You can close this page or sign in.', appUrl);
      },
    ],
  });

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
