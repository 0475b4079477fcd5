import type { BrowserContext, Page } from 'puppeteer-core';
import { startSmtpCapture, type SmtpCapture } from '@gatehouse/testing';
import { mailbox, tokenLinkIn, type Mailbox } from '../../../gateway/test/e2e/mailbox';
import { freePort, startSystem, type System } from '../../../gateway/test/e2e/system';
import { launchBrowser, StepRecorder, type TestBrowser } from './browser';
import { fetchStatusIn, fill, recordTraffic, recordWireAnswers, signIn, textOf, waitForStatus, type PageGlobals } from './example-page';
import { serveForeignSite } from './foreign-origin';

// Short enough that a test sees several expiries, long enough that one refresh round trip fits.
const TTL_SECONDS = 5;
const PASSWORD = 'a browser passphrase';

let smtp: SmtpCapture;
let mail: Mailbox;
let system: System;
let chromium: TestBrowser;
let app: string;

beforeAll(async () => {
  smtp = await startSmtpCapture();
  mail = mailbox(smtp);
  const gatewayPort = await freePort();
  // The page's origin; localhost is a secure context, so `Secure` and `__Host-` cookies work over http.
  app = `http://localhost:${gatewayPort}`;
  const ttl = { ACCESS_TOKEN_TTL_SECONDS: String(TTL_SECONDS) };
  system = await startSystem('browser', {
    gatewayPort,
    smtpUrl: smtp.url,
    auth: { ...ttl, COOKIE_SECURE: 'true', CORS_ORIGINS: app },
    // No clock tolerance: an expired token is refused, so only a refresh keeps the answers 200.
    gateway: { ...ttl, EXAMPLE_APP: 'true', CORS_ORIGINS: app, JWT_CLOCK_TOLERANCE_SECONDS: '0' },
    user: ttl,
  });
  chromium = await launchBrowser();
}, 90_000);

afterAll(async () => {
  await chromium?.close();
  await system?.stop();
  await smtp?.close();
});

let context: BrowserContext;
let steps: StepRecorder;
beforeEach(async () => {
  context = await chromium.browser.createBrowserContext();
  steps = await StepRecorder.begin(expect.getState().currentTestName ?? 'unnamed');
});
afterEach(async () => {
  for (const [i, page] of (await context.pages()).entries()) await steps.shot(page, `end tab ${i + 1}`);
  await steps.save();
  await context.close();
});

let counter = 0;
const newEmail = () => `browser.${++counter}.${Date.now()}@example.com`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function register(email: string): Promise<void> {
  const response = await fetch(`${system.gateway.url}/api/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: PASSWORD }),
  });
  expect(response.status).toBe(201);
}

/**
 * A tab of its own window: every window is visible, so background-tab rules (throttled timers,
 * no frames to screenshot) do not apply; windows of one context share cookies, locks and channels.
 */
const newTab = () => context.newPage({ type: 'window' });

async function openApp(label: string, expected: string | RegExp): Promise<Page> {
  const page = await newTab();
  steps.watch(page, label);
  const response = await page.goto(`${app}/example/`, { waitUntil: 'load' });
  // 304 too: a second tab revalidates the page the first one cached.
  if (!response || ![200, 304].includes(response.status()))
    throw new Error(`GET ${app}/example/ answered ${response?.status()} (is the page served with EXAMPLE_APP=true?)`);
  await waitForStatus(page, expected);
  await steps.shot(page, `${label} opened`);
  return page;
}

/** A registered user signed in on one tab of the app. */
async function signedInTab(): Promise<{ email: string; page: Page }> {
  const email = newEmail();
  await register(email);
  const page = await openApp('tab A', 'signed-out');
  await signIn(page, email, PASSWORD);
  await steps.shot(page, 'signed in');
  return { email, page };
}

const refreshCookieIn = async (ctx: BrowserContext) => (await ctx.cookies()).find((c) => c.name === '__Secure-refresh_token');

/** Calls the profile through the SDK in every tab every half second for `ms`; every status seen. */
async function keepCalling(pages: Page[], ms: number): Promise<number[]> {
  const statuses: number[] = [];
  const until = Date.now() + ms;
  while (Date.now() < until) {
    statuses.push(...(await Promise.all(pages.map((p) => fetchStatusIn(p, '/api/user/profile')))));
    await sleep(500);
  }
  return statuses;
}

describe('the example page in Chromium', () => {
  it('when a person signs up, confirms the emailed link and signs in, then the page says signed-in and no script can read a token', async () => {
    const email = newEmail();
    const page = await openApp('app', 'signed-out');
    let accessToken: string | undefined;
    page.on('response', (response) => {
      if (new URL(response.url()).pathname === '/api/auth/login' && response.status() === 200) {
        void response.json().then((body: { accessToken: string }) => (accessToken = body.accessToken));
      }
    });

    await fill(page, '#signup-email', email);
    await fill(page, '#signup-password', PASSWORD);
    await fill(page, '#signup-name', 'Browser Person');
    await page.locator('#signup-submit').click();
    await steps.shot(page, 'signed up');
    const confirmation = await mail.waitFor(email, 'the confirmation email', (m) => tokenLinkIn(m, '/api/auth/verify-email') !== undefined);

    const link = await newTab();
    steps.watch(link, 'emailed link');
    await link.goto(tokenLinkIn(confirmation, '/api/auth/verify-email')!, { waitUntil: 'load' });
    await steps.shot(link, 'confirmation page');
    await link.locator('button:not([disabled])').click();
    await waitForStatus(link, /^Email confirmed/);
    await steps.shot(link, 'email confirmed');

    await signIn(page, email, PASSWORD);
    await steps.shot(page, 'signed in');

    const seen = await page.evaluate(() => {
      const g = globalThis as unknown as PageGlobals;
      const entries = (s: PageGlobals['localStorage']) => Array.from({ length: s.length }, (_, i) => `${s.key(i)}=${s.getItem(s.key(i) ?? '')}`);
      return { cookie: g.document.cookie, stored: [...entries(g.localStorage), ...entries(g.sessionStorage)], user: g.gatehouse.user };
    });
    const refresh = await refreshCookieIn(context);
    expect(seen.user).toMatchObject({ email });
    expect(seen.cookie).toMatch(/(^|; )__Host-csrf_token=[^;]+/);
    expect(refresh).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Strict', path: '/api/auth' });
    expect(seen.cookie).not.toContain('refresh_token');
    expect(seen.cookie).not.toContain(refresh!.value);
    expect(accessToken).toBeDefined();
    for (const entry of seen.stored) {
      expect(entry).not.toContain(accessToken);
      expect(entry).not.toContain(refresh!.value);
      expect(entry).not.toMatch(/eyJ[\w-]+\.[\w-]+\.[\w-]+/);
    }
  }, 30_000);

  it('when the access token lives 5 s, then gatehouse.fetch keeps answering 200 for 12 s by refreshing before expiry', async () => {
    const { page } = await signedInTab();
    const profile = recordTraffic({ A: page }, 'GET', '/api/user/profile');
    const refreshes = recordTraffic({ A: page }, 'POST', '/api/auth/refresh');

    const statuses = await keepCalling([page], 12_000);
    await steps.shot(page, 'after 12 s');

    expect(statuses.length).toBeGreaterThanOrEqual(12);
    expect(statuses.every((s) => s === 200)).toBe(true);
    expect(refreshes.requests.length).toBeGreaterThanOrEqual(2);
    expect(refreshes.statuses.every((s) => s === 200)).toBe(true);
    expect(new Set(profile.requests.map((r) => r.bearer)).size).toBeGreaterThanOrEqual(3);
    // Refreshed before the token ran out, not only after the gateway refused it.
    expect(profile.statuses.filter((s) => s === 401)).toEqual([]);
    expect(await textOf(page, 'status')).toMatch(/^signed-in:/);
  }, 40_000);

  it('when two tabs hold tokens that expire together, then one of them rotates the cookie per expiry and both keep working', async () => {
    const { email, page: a } = await signedInTab();
    const b = await openApp('tab B', `signed-in:${email}`);
    const pages = { A: a, B: b };
    const refreshes = recordTraffic(pages, 'POST', '/api/auth/refresh');
    const profile = recordTraffic(pages, 'GET', '/api/user/profile');

    const statuses = await keepCalling([a, b], 11_000);
    await steps.shot(a, 'tab A after 11 s');
    await steps.shot(b, 'tab B after 11 s');

    expect(statuses.every((s) => s === 200)).toBe(true);
    const times = refreshes.requests.map((r) => r.at);
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    // Two expiries at least in 11 s; a second rotation of the same token would come within a
    // moment of the first, whereas honest rotations are most of a token lifetime apart.
    expect(times.length).toBeGreaterThanOrEqual(2);
    expect(gaps.filter((gap) => gap < 1_500)).toEqual([]);
    expect(refreshes.statuses.every((s) => s === 200)).toBe(true);
    const lastBearer = (tab: string) => profile.requests.filter((r) => r.page === tab).at(-1)?.bearer;
    expect(lastBearer('A')).toBe(lastBearer('B'));
    expect(await textOf(a, 'status')).toBe(`signed-in:${email}`);
    expect(await textOf(b, 'status')).toBe(`signed-in:${email}`);
  }, 40_000);

  it('when the user signs out in one tab, then the other tab is told the session ended and its API calls get 401', async () => {
    const { email, page: a } = await signedInTab();
    const b = await openApp('tab B', `signed-in:${email}`);
    const bProfile = recordTraffic({ B: b }, 'GET', '/api/user/profile');
    expect(await fetchStatusIn(b, '/api/user/profile')).toBe(200);
    const bearerOfB = bProfile.requests.at(-1)!.bearer!;

    await a.locator('#signout').click();
    await waitForStatus(a, 'signed-out');
    await steps.shot(a, 'signed out');
    await waitForStatus(b, /^session-ended:.+/);
    await steps.shot(b, 'told the session ended');

    expect(await fetchStatusIn(b, '/api/user/profile')).toBe(401);
    const replayed = await fetch(`${system.gateway.url}/api/user/profile`, { headers: { authorization: `Bearer ${bearerOfB}` } });
    expect(replayed.status).toBe(401);
    expect(await refreshCookieIn(context)).toBeUndefined();
  }, 30_000);

  it('when a page on another origin posts to refresh and sign out with the user cookies, then each is refused and the user stays signed in', async () => {
    const { email, page } = await signedInTab();
    const site = await serveForeignSite(system.gateway.url.replace('127.0.0.1', 'localhost'));
    try {
      const foreign = await newTab();
      steps.watch(foreign, 'other origin');
      const wire = await recordWireAnswers(foreign);
      await foreign.goto(`${site.origin}/`, { waitUntil: 'load' });

      const outcome = await foreign.evaluate(() => (globalThis as unknown as { attack(): Promise<{ csrfSeen: boolean; results: string[] }> }).attack());
      await steps.shot(foreign, 'attempts made');

      // The preflighted tries never reach the server; the simple ones do, and the Origin check refuses them.
      expect(outcome.results.filter((r) => / cors: /.test(r))).toEqual([
        '/api/auth/refresh cors: failed TypeError',
        '/api/auth/logout cors: failed TypeError',
        '/api/auth/logout-all cors: failed TypeError',
      ]);
      const posts = wire.answers().filter((a) => a.method === 'POST');
      expect(posts.map((a) => `${a.path} ${a.status}`).sort()).toEqual(['/api/auth/logout 403', '/api/auth/logout-all 403', '/api/auth/refresh 403']);
      expect(await refreshCookieIn(context)).toBeDefined();
      expect(await fetchStatusIn(page, '/api/user/profile')).toBe(200);
      expect(await textOf(page, 'status')).toBe(`signed-in:${email}`);
    } finally {
      await site.close();
    }
  }, 30_000);

  it('when the API refuses a field, then the GatehouseError names it in errors', async () => {
    const page = await openApp('app', 'signed-out');

    const refused = await page.evaluate(
      (credentials) =>
        (globalThis as unknown as PageGlobals).gatehouse.login(credentials).then(
          () => null,
          (error: { status: number; code: string; errors: unknown }) => ({ status: error.status, code: error.code, errors: error.errors }),
        ),
      { email: 'not an email', password: PASSWORD },
    );

    expect(refused).toEqual({ status: 400, code: 'validation_failed', errors: [{ path: 'email', message: expect.stringContaining('"email"') }] });
  }, 30_000);
});
