// The reference page for @gatehouse/client. A module script with listeners only: the gateway's
// CSP (helmet) refuses inline scripts and inline event handlers.
import { createGatehouseClient } from './sdk/index.js';

const gatehouse = createGatehouseClient();
// The end-to-end tests drive the page through the same client it uses.
window.gatehouse = gatehouse;

const byId = (id) => document.getElementById(id);
const value = (id) => byId(id).value.trim();

function show(id, text) {
  byId(id).textContent = text;
}

function showUser(user) {
  show('status', user ? `signed-in:${user.email}` : 'signed-out');
}

/** Runs a form's or button's action; its failure lands in #error, never as an unhandled rejection. */
function action(id, event, run) {
  byId(id).addEventListener(event, async (e) => {
    e.preventDefault();
    show('error', '');
    show('notice', '');
    try {
      await run();
    } catch (error) {
      const fields = error && error.errors && error.errors.length ? ` (${error.errors.map((issue) => issue.message).join('; ')})` : '';
      show('error', error && error.code ? `${error.code}: ${error.message}${fields}` : String(error));
    }
  });
}

async function profileAnswer(response) {
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw Object.assign(new Error(body.detail || response.statusText), { code: body.code || `http_${response.status}` });
  show('profile-view', JSON.stringify({ email: body.email, name: body.name, bio: body.bio }, null, 2));
  byId('profile-name').value = body.name ?? '';
  byId('profile-bio').value = body.bio ?? '';
}

gatehouse.onSessionEnded((reason) => {
  show('status', `session-ended:${reason}`);
  show('profile-view', '');
});

action('signup', 'submit', async () => {
  const name = value('signup-name');
  await gatehouse.register({ email: value('signup-email'), password: byId('signup-password').value, ...(name ? { name } : {}) });
  show('notice', 'Registered: confirm the link we emailed you, then sign in.');
});

action('confirm', 'submit', async () => {
  await gatehouse.verifyEmail(value('confirm-token'));
  show('notice', 'Email confirmed.');
});

/** The mfaToken of a password step that asks for a second factor, until the code is in. */
let pendingMfa = null;

action('signin', 'submit', async () => {
  const result = await gatehouse.login({ email: value('signin-email'), password: byId('signin-password').value });
  if ('mfaRequired' in result) {
    pendingMfa = result.mfaToken;
    byId('mfa').hidden = false;
    show('status', 'mfa-required');
    return;
  }
  showUser(result);
});

action('mfa', 'submit', async () => {
  const typed = value('mfa-code');
  // Six digits are the app's code; anything else is tried as a recovery code.
  const proof = /^\d{6}$/.test(typed) ? { code: typed } : { recoveryCode: typed };
  showUser(await gatehouse.completeLogin({ mfaToken: pendingMfa, ...proof }));
  pendingMfa = null;
  byId('mfa').hidden = true;
});

action('passkey-signin', 'click', async () => {
  showUser(await gatehouse.loginWithPasskey());
});

action('passkey-add', 'submit', async () => {
  const passkey = await gatehouse.registerPasskey(value('passkey-name') || undefined);
  show('notice', `passkey-added:${passkey.name}`);
});

action('profile-load', 'click', async () => {
  await profileAnswer(await gatehouse.fetch('/api/user/profile'));
});

action('profile', 'submit', async () => {
  const name = value('profile-name');
  const bio = byId('profile-bio').value;
  const body = JSON.stringify({ ...(name ? { name } : {}), bio: bio || null });
  await profileAnswer(await gatehouse.fetch('/api/user/profile', { method: 'PUT', headers: { 'content-type': 'application/json' }, body }));
});

// In this tab a sign-out reads `signed-out`; the other tabs are told `session-ended:<reason>`.
action('signout', 'click', async () => {
  await gatehouse.logout();
  showUser(null);
});

action('signout-all', 'click', async () => {
  await gatehouse.logoutAll();
  showUser(null);
});

show('status', 'signed-out');
gatehouse
  .restore()
  .then((user) => user && showUser(user))
  .catch((error) => show('error', `${error.code || 'error'}: ${error.message}`));
