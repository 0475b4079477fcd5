import { createHash, randomBytes } from 'node:crypto';
import { runInNewContext } from 'node:vm';
import { Client, email, eventually, PASSWORD, settle, startAuth, type AuthHarness, type LoginBody } from './auth-harness';

let harness: AuthHarness;
beforeAll(async () => {
  // A public origin that is not in CORS_ORIGINS: the pages' POSTs must be allowed for it anyway.
  // The web app users sign in at is elsewhere: the Ingress routes no page at APP_URL's root.
  harness = await startAuth('verify', {
    RESEND_VERIFICATION_LIMIT: '5',
    APP_URL: 'https://accounts.example.test',
    SIGN_IN_URL: 'https://app.example.test/sign-in',
  });
});
afterAll(() => harness.close());

const digest = (token: string) => createHash('sha256').update(token).digest('base64url');
const claimsOf = (accessToken: string) => JSON.parse(Buffer.from(accessToken.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;

/** Registers and returns the raw token the `user.registered` event carried. */
async function registerAndCaptureToken(address = email()): Promise<{ token: string; userId: string; email: string }> {
  const client = new Client(harness.url);
  const response = await client.post('/api/auth/register', { email: address, password: PASSWORD });
  expect(response.status).toBe(201);
  const { id } = (await response.json()) as { id: string };
  expect(await eventually(() => harness.events.named('user.registered').some((e) => e.payload.userId === id))).toBe(true);
  const event = harness.events.named('user.registered').find((e) => e.payload.userId === id)!;
  return { token: event.payload.verificationToken, userId: id, email: address };
}

const verify = (token: unknown) => new Client(harness.url).post('/api/auth/verify-email', { token });

const publicOrigin = () => new URL(harness.config.APP_URL).origin;

async function openLink(path: string): Promise<{ response: Response; page: string }> {
  const response = await fetch(`${harness.url}${path}`);
  return { response, page: await response.text() };
}

function expectPageHeaders(response: Response): void {
  expect(response.headers.get('content-type')).toMatch(/^text\/html/);
  expect(response.headers.get('cache-control')).toBe('no-store');
  expect(response.headers.get('referrer-policy')).toBe('no-referrer');
}

/** The gateway's CSP runs scripts from our origin only: no inline script, no inline handlers. */
function expectOnlyScriptFiles(page: string): void {
  const scripts = page.match(/<script\b[^>]*>[\s\S]*?<\/script>/gi) ?? [];
  expect(page.match(/<script/gi) ?? []).toHaveLength(scripts.length);
  for (const script of scripts) expect(script).toMatch(/^<script type="module" src="\/api\/auth\/pages\/[\w-]+\.js\?v=[\w-]+"><\/script>$/);
  expect(page).not.toMatch(/\son\w+\s*=/i);
}

const HOSTILE_LINKS = [
  ['a script', '?token=%3Cscript%3Ealert(1)%3C%2Fscript%3E'],
  ['an attribute breakout', `?token=${encodeURIComponent('"><img src=x onerror=alert(1)>')}`],
  ['a token one character too long', `?token=${'A'.repeat(44)}`],
  ['a repeated token', `?token=${'A'.repeat(43)}&token=${'A'.repeat(43)}`],
  ['without a token', ''],
];

async function loadScript(page: string): Promise<{ response: Response; source: string }> {
  const src = /<script type="module" src="([^"]+)"/.exec(page)?.[1];
  if (!src) throw new Error('the page loads no script');
  const response = await fetch(`${harness.url}${src}`);
  expect(response.status).toBe(200);
  return { response, source: await response.text() };
}

const problem = (status: number, body: Record<string, unknown>) =>
  new Response(JSON.stringify({ ...body, status }), { status, headers: { 'content-type': 'application/problem+json' } });

type PageFetch = (url: string, init: RequestInit) => Promise<Response>;

/**
 * The page's own script, run against just enough DOM (the form, its button and fields, the status
 * line) with `fetch` sending what a browser on `origin` would. No browser in the test toolchain.
 */
async function openInBrowser(page: string, origin: string, send: PageFetch, fields: Record<string, string> = {}) {
  const { source } = await loadScript(page);
  const formId = /<form id="([^"]+)"/.exec(page)?.[1];
  const token = /data-token="([^"]+)"/.exec(page)?.[1];
  const requests: unknown[] = [];
  const status = { textContent: '' };
  const button = { disabled: true };
  let onSubmit: ((event: { preventDefault(): void }) => Promise<void>) | undefined;
  const form = {
    hidden: false,
    dataset: { token },
    querySelector: () => button,
    elements: { namedItem: (name: string) => ({ value: fields[name] ?? '' }) },
    reset: () => undefined,
    addEventListener: (_type: string, listener: typeof onSubmit) => (onSubmit = listener),
  };
  const document = { getElementById: (id: string) => (id === 'status' ? status : id === formId ? form : null) };
  const pageFetch = (url: string, init: RequestInit) => {
    requests.push({ url, method: init.method, headers: init.headers, body: JSON.parse(String(init.body)), credentials: init.credentials });
    return send(url, { ...init, headers: { ...(init.headers as Record<string, string>), origin } });
  };
  runInNewContext(source, { document, fetch: pageFetch });
  return { requests, status, button, form, click: () => onSubmit!({ preventDefault: () => undefined }) };
}

describe('registration announces user.registered', () => {
  it('when an account registers, then exactly one event carries a fresh token whose digest alone is stored', async () => {
    const address = email();
    const response = await new Client(harness.url).post('/api/auth/register', { email: address, password: PASSWORD, name: 'Ada' });
    const body = (await response.json()) as Record<string, unknown>;
    expect(response.status).toBe(201);
    expect(Object.keys(body).sort()).toEqual(['createdAt', 'email', 'emailVerified', 'id', 'name']);
    expect(await eventually(() => harness.events.named('user.registered').some((e) => e.payload.userId === body.id))).toBe(true);
    await settle();
    const events = harness.events.named('user.registered').filter((e) => e.payload.userId === body.id);
    expect(events).toHaveLength(1);
    const { payload } = events[0]!;
    expect(payload).toMatchObject({ email: address, name: 'Ada' });
    expect(payload.verificationToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Date.parse(payload.verificationExpiresAt) - Date.now()).toBeGreaterThan(86_400_000 - 60_000);
    const { rows } = await harness.pool.query<{ token_hash: string }>('SELECT token_hash FROM email_verifications WHERE user_id = $1', [body.id]);
    expect(rows).toEqual([{ token_hash: digest(payload.verificationToken) }]);
    const leaked = await harness.pool.query(
      "SELECT 1 FROM email_verifications WHERE token_hash = $1 UNION ALL SELECT 1 FROM credentials WHERE row_to_json(credentials)::text LIKE '%' || $1 || '%'",
      [payload.verificationToken],
    );
    expect(leaked.rowCount).toBe(0);
  });
});

describe('POST /api/auth/verify-email', () => {
  it('when the request has no body at all, then 400 names the missing token (never a 500)', async () => {
    const response = await fetch(`${harness.url}/api/auth/verify-email`, { method: 'POST' });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'validation_failed', errors: [{ path: 'token' }] });
  });

  it('when the token is fresh, then 200 verifies the account and announces user.email_verified; a second use is 400', async () => {
    const { token, userId, email: address } = await registerAndCaptureToken();
    const first = await verify(token);
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ emailVerified: true });
    const { rows } = await harness.pool.query('SELECT email_verified FROM credentials WHERE id = $1', [userId]);
    expect(rows).toEqual([{ email_verified: true }]);
    expect(await eventually(() => harness.events.named('user.email_verified').some((e) => e.payload.userId === userId))).toBe(true);
    expect(harness.events.named('user.email_verified').find((e) => e.payload.userId === userId)!.payload).toEqual({ userId, email: address });

    const second = await verify(token);
    expect(second.status).toBe(400);
    expect(await second.json()).toMatchObject({ code: 'verification_token_invalid' });
  });

  it('when the token expired, then 400 and the account stays unverified', async () => {
    const { token, userId } = await registerAndCaptureToken();
    harness.advance(86_400_000 + 1_000);
    try {
      const response = await verify(token);
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ code: 'verification_token_invalid' });
    } finally {
      harness.advance(-(86_400_000 + 1_000));
    }
    const { rows } = await harness.pool.query('SELECT email_verified FROM credentials WHERE id = $1', [userId]);
    expect(rows).toEqual([{ email_verified: false }]);
  });

  it.each([['garbage'], ['A'.repeat(43)], [''], [42]])('when the token is %p, then 400', async (token) => {
    const response = await verify(token);
    expect(response.status).toBe(400);
    expect((await response.json()) as { code: string }).toMatchObject({ code: expect.stringMatching(/verification_token_invalid|validation_failed/) });
  });

  it('when a signed-in user verifies, then the next refresh and the next login say email_verified true', async () => {
    const address = email();
    const { token } = await registerAndCaptureToken(address);
    const client = new Client(harness.url);
    const login = (await (await client.post('/api/auth/login', { email: address, password: PASSWORD })).json()) as LoginBody;
    expect(claimsOf(login.accessToken).email_verified).toBe(false);

    expect((await verify(token)).status).toBe(200);

    const refreshed = await client.refresh();
    expect(refreshed.status).toBe(200);
    const body = (await refreshed.json()) as LoginBody;
    expect(claimsOf(body.accessToken).email_verified).toBe(true);
    expect(body.user.emailVerified).toBe(true);
    const again = (await (await new Client(harness.url).post('/api/auth/login', { email: address, password: PASSWORD })).json()) as LoginBody;
    expect(again.user.emailVerified).toBe(true);
  });
});

describe('GET /api/auth/verify-email (the emailed link)', () => {
  it('when the link is opened (as a mail scanner does), then a page with a button shows and the account stays unverified', async () => {
    const { token, userId } = await registerAndCaptureToken();

    const responses = [await openLink(`/api/auth/verify-email?token=${token}`), await openLink(`/api/auth/verify-email?token=${token}`)];

    for (const { response, page } of responses) {
      expect(response.status).toBe(200);
      expectPageHeaders(response);
      expect(page).toMatch(/<button type="submit"[^>]*>Confirm my email<\/button>/);
      expect(page).toContain(`data-token="${token}"`);
      expectOnlyScriptFiles(page);
    }
    await settle();
    const { rows } = await harness.pool.query('SELECT email_verified FROM credentials WHERE id = $1', [userId]);
    expect(rows).toEqual([{ email_verified: false }]);
    expect(harness.events.named('user.email_verified').some((e) => e.payload.userId === userId)).toBe(false);
  });

  it.each([
    ['confirmation', '/api/auth/verify-email'],
    ['password reset', '/api/auth/password/reset'],
  ])(
    'when the %s page is opened, with a well-formed link or not, then its one link continues to the web app (SIGN_IN_URL), not to APP_URL',
    async (_page, path) => {
      for (const query of [`?token=${'A'.repeat(43)}`, '']) {
        const { page } = await openLink(`${path}${query}`);

        expect([...page.matchAll(/href="([^"]*)"/g)].map((m) => m[1])).toEqual(['https://app.example.test/sign-in']);
      }
    },
  );

  it.each(HOSTILE_LINKS)('when the link is %s, then a 400 page says it is invalid without reflecting the input', async (_what, query) => {
    const { response, page } = await openLink(`/api/auth/verify-email${query}`);

    expect(response.status).toBe(400);
    expectPageHeaders(response);
    expect(page).toContain('This link is invalid or has expired');
    expect(page).not.toMatch(/data-token|<form|alert|onerror|AAAA/);
    expectOnlyScriptFiles(page);
  });

  it('when the page is opened, then its script is served as cacheable JavaScript that posts the token as JSON', async () => {
    const { token } = await registerAndCaptureToken();
    const { page } = await openLink(`/api/auth/verify-email?token=${token}`);

    const script = await loadScript(page);

    expect(script.response.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(script.response.headers.get('cache-control')).toMatch(/max-age=\d+/);
    expect(script.source).toContain("fetch('/api/auth/verify-email', {");
    expect(script.source).toContain("headers: { 'content-type': 'application/json' }");
    expect(script.source).toContain("credentials: 'same-origin'");
    expect((await fetch(`${harness.url}/api/auth/pages/verify-email.js`)).status).toBe(200);
  });

  it('when the button posts the token from the public origin (APP_URL), then the account is verified and the page says so; a second click says the link is used', async () => {
    const { token, userId } = await registerAndCaptureToken();
    const { page } = await openLink(`/api/auth/verify-email?token=${token}`);
    const browser = await openInBrowser(page, publicOrigin(), (url, init) => fetch(`${harness.url}${url}`, init));
    expect(browser.button.disabled).toBe(false);

    await browser.click();

    expect(browser.requests).toEqual([
      { url: '/api/auth/verify-email', method: 'POST', headers: { 'content-type': 'application/json' }, body: { token }, credentials: 'same-origin' },
    ]);
    expect(browser.status.textContent).toBe('Email confirmed. You can close this page or sign in.');
    expect(browser.form.hidden).toBe(true);
    const { rows } = await harness.pool.query('SELECT email_verified FROM credentials WHERE id = $1', [userId]);
    expect(rows).toEqual([{ email_verified: true }]);

    await browser.click();
    expect(browser.status.textContent).toBe('This link is invalid or has expired. Sign in to ask for a new one.');
  });

  it('when the same POST comes from an origin that is neither APP_URL nor in CORS_ORIGINS, then 403 and the account stays unverified', async () => {
    const { token, userId } = await registerAndCaptureToken();

    const response = await new Client(harness.url).post('/api/auth/verify-email', { token }, { origin: 'https://evil.example' });

    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ code: 'origin_not_allowed' });
    const { rows } = await harness.pool.query('SELECT email_verified FROM credentials WHERE id = $1', [userId]);
    expect(rows).toEqual([{ email_verified: false }]);
    expect(harness.config.CORS_ORIGINS).not.toContain(publicOrigin());
  });
});

describe('GET /api/auth/password/reset (the emailed reset link)', () => {
  const resetToken = () => randomBytes(32).toString('base64url');

  it('when the link is opened, then a page with two password inputs and a button shows, with the token in a data attribute', async () => {
    const token = resetToken();

    const { response, page } = await openLink(`/api/auth/password/reset?token=${token}`);

    expect(response.status).toBe(200);
    expectPageHeaders(response);
    expect(page.match(/<input type="password"[^>]*autocomplete="new-password"/g)).toHaveLength(2);
    expect(page).toMatch(/<button type="submit"[^>]*>Save new password<\/button>/);
    expect(page).toContain(`data-token="${token}"`);
    expectOnlyScriptFiles(page);
  });

  it.each(HOSTILE_LINKS)('when the link is %s, then a 400 page says it is invalid without reflecting the input', async (_what, query) => {
    const { response, page } = await openLink(`/api/auth/password/reset${query}`);

    expect(response.status).toBe(400);
    expectPageHeaders(response);
    expect(page).toContain('This reset link is invalid or has expired');
    expect(page).not.toMatch(/data-token|<form|alert|onerror|AAAA/);
  });

  it('when the page is opened, then its script is served as cacheable JavaScript that posts token and password as JSON', async () => {
    const { page } = await openLink(`/api/auth/password/reset?token=${resetToken()}`);

    const script = await loadScript(page);

    expect(script.response.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(script.response.headers.get('cache-control')).toMatch(/max-age=\d+/);
    expect(script.source).toContain("fetch('/api/auth/password/reset', {");
    expect(script.source).toContain("credentials: 'same-origin'");
  });

  it.each([
    ['204', () => new Response(null, { status: 204 }), 'Your password has been changed. Sign in with your new password.'],
    ['reset_token_invalid', () => problem(400, { code: 'reset_token_invalid' }), 'This reset link is invalid, used or has expired. Ask for a new one.'],
    [
      'validation_failed on the password',
      () => problem(400, { code: 'validation_failed', errors: [{ path: 'password', message: '"password" must be at least 8 characters' }] }),
      'The new password must be at least 8 characters.',
    ],
    ['429', () => problem(429, { code: 'rate_limited' }), 'Too many attempts. Wait a minute, then try again.'],
    ['a 503', () => problem(503, { code: 'dependency_unavailable' }), 'Something went wrong. Try again in a moment.'],
  ])('when the button is pressed and the API answers %s, then the page posts the JSON and says so', async (_answer, answer, message) => {
    const token = resetToken();
    const { page } = await openLink(`/api/auth/password/reset?token=${token}`);
    const browser = await openInBrowser(page, publicOrigin(), async () => answer(), { password: PASSWORD, repeated: PASSWORD });

    await browser.click();

    expect(browser.requests).toEqual([
      {
        url: '/api/auth/password/reset',
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: { token, password: PASSWORD },
        credentials: 'same-origin',
      },
    ]);
    expect(browser.status.textContent).toBe(message);
  });

  it('when the two passwords differ, then nothing is posted and the page says so', async () => {
    const { page } = await openLink(`/api/auth/password/reset?token=${resetToken()}`);
    const browser = await openInBrowser(page, publicOrigin(), async () => new Response(null, { status: 204 }), {
      password: PASSWORD,
      repeated: `${PASSWORD}!`,
    });

    await browser.click();

    expect(browser.requests).toEqual([]);
    expect(browser.status.textContent).toBe('The two passwords differ. Type the same new password twice.');
  });
});

describe('POST /api/auth/verify-email/resend', () => {
  it('when the email is unknown, verified or unverified, then 202 with the same body, and only the unverified account gets a new event', async () => {
    const unverified = await registerAndCaptureToken();
    const verified = await registerAndCaptureToken();
    expect((await verify(verified.token)).status).toBe(200);
    const before = harness.events.named('user.registered').length;

    const client = new Client(harness.url);
    const answers = [];
    for (const address of [email('nobody'), verified.email, unverified.email]) {
      const response = await client.post('/api/auth/verify-email/resend', { email: address });
      answers.push({ status: response.status, body: await response.text() });
    }

    expect(answers.map((a) => a.status)).toEqual([202, 202, 202]);
    expect(new Set(answers.map((a) => a.body)).size).toBe(1);
    expect(await eventually(() => harness.events.named('user.registered').length > before)).toBe(true);
    await settle();
    const fresh = harness.events.named('user.registered').slice(before);
    expect(fresh.map((e) => e.payload.userId)).toEqual([unverified.userId]);
    expect(fresh[0]!.payload.verificationToken).not.toBe(unverified.token);
    expect((await verify(fresh[0]!.payload.verificationToken)).status).toBe(200);
  });
});
