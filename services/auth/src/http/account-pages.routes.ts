import { Router } from 'express';
import { route } from '@gatehouse/http';
import { resetPasswordScript } from './account-page.scripts';
import { escapeHtml } from '@gatehouse/html';
import { linkToken, sendPage, serveScript, type Page } from './html-page';

export interface AccountPagesOptions {
  /** Where users sign in (SIGN_IN_URL): the pages link on to it. */
  readonly signInUrl: string;
}

const RESET_PATH = '/api/auth/password/reset';

function resetPage(link: unknown): Page {
  const token = linkToken(link);
  if (!token) {
    return { status: 400, title: 'Link invalid', message: 'This reset link is invalid or has expired. Ask for a new one.' };
  }
  return {
    status: 200,
    title: 'Choose a new password',
    message: 'Type your new password twice, then save it.',
    form:
      `<form id="reset-password" method="post" data-token="${escapeHtml(token)}">` +
      '<p><label>New password <input type="password" name="password" autocomplete="new-password" required></label></p>' +
      '<p><label>Repeat it <input type="password" name="repeated" autocomplete="new-password" required></label></p>' +
      '<p><button type="submit" disabled>Save new password</button></p>' +
      '<noscript><p>Saving needs JavaScript. Turn it on and reload this page.</p></noscript></form>',
    script: resetPasswordScript,
  };
}

/** The pages the emailed account links open; their scripts call the JSON API. */
export function accountPagesRoutes(options: AccountPagesOptions): Router {
  const router = Router();

  // A plain GET, not `route()`: the POST to the same path lives in another router, and the 405
  // that `route()` adds for other methods would swallow it.
  router.get(RESET_PATH, (req, res) => sendPage(res, resetPage(req.query.token), options.signInUrl));
  route(router, resetPasswordScript.path, { GET: [serveScript(resetPasswordScript)] });

  return router;
}
