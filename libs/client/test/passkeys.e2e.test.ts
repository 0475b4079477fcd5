import type { BrowserContext, CDPSession, Page } from 'puppeteer-core';
import { totpCode, totpStep } from '@gatehouse/testing';
import { freePort, startSystem, type System } from '../../../gateway/test/e2e/system';
import { launchBrowser, StepRecorder, type TestBrowser } from './browser';
import { fetchStatusIn, fill, signIn, textOf, waitForStatus, type PageGlobals } from './example-page';

const PASSWORD = 'a passkey browser passphrase';

let system: System;
let chromium: TestBrowser;
let app: string;

beforeAll(async () => {
  const gatewayPort = await freePort();
  // WebAuthn needs a secure context: http://localhost is one, and its RP ID is `localhost`.
  app = `http://localhost:${gatewayPort}`;
  system = await startSystem('passkeys_browser', {
    gatewayPort,
    auth: { COOKIE_SECURE: 'true', CORS_ORIGINS: app, WEBAUTHN_RP_ID: 'localhost', WEBAUTHN_ORIGINS: app },
    gateway: { EXAMPLE_APP: 'true', CORS_ORIGINS: app },
  });
  chromium = await launchBrowser();
}, 90_000);

afterAll(async () => {
  await chromium?.close();
  await system?.stop();
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
const newEmail = () => `passkey.${++counter}.${Date.now()}@example.com`;
const amrOf = (accessToken: string) => (JSON.parse(Buffer.from(accessToken.split('.')[1]!, 'base64url').toString()) as { amr: string[] }).amr;

async function gatewayPost(path: string, body: unknown, token?: string): Promise<Response> {
  return fetch(`${system.gateway.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
}

async function registeredUser(): Promise<string> {
  const email = newEmail();
  expect((await gatewayPost('/api/auth/register', { email, password: PASSWORD })).status).toBe(201);
  return email;
}

async function openApp(): Promise<Page> {
  const page = await context.newPage({ type: 'window' });
  steps.watch(page, 'app');
  await page.goto(`${app}/example/`, { waitUntil: 'load' });
  await waitForStatus(page, 'signed-out');
  return page;
}

/** The access tokens the page received from a path, read off the wire. */
function tokensFrom(page: Page, path: string): string[] {
  const tokens: string[] = [];
  page.on('response', (response) => {
    if (new URL(response.url()).pathname === path && response.status() === 200)
      void response.json().then((body: { accessToken: string }) => tokens.push(body.accessToken));
  });
  return tokens;
}

/** A platform authenticator with user verification, as a phone or laptop has, in this tab. */
async function virtualAuthenticator(page: Page): Promise<{ cdp: CDPSession; authenticatorId: string }> {
  const cdp = await page.createCDPSession();
  await cdp.send('WebAuthn.enable', { enableUI: false });
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return { cdp, authenticatorId };
}

async function addPasskey(page: Page, name: string): Promise<void> {
  await fill(page, '#passkey-name', name);
  await page.locator('#passkey-add-submit').click();
  await waitForText(page, 'notice', `passkey-added:${name}`);
  await steps.shot(page, 'passkey added');
}

/** Waits until the element's text starts with `expected`. */
async function waitForText(page: Page, id: string, expected: string): Promise<void> {
  const read = (elementId: string) => (globalThis as unknown as PageGlobals).document.getElementById(elementId)?.textContent ?? '';
  await page
    .waitForFunction(
      (elementId: string, text: string) => ((globalThis as unknown as PageGlobals).document.getElementById(elementId)?.textContent ?? '').startsWith(text),
      { timeout: 10_000, polling: 50 },
      id,
      expected,
    )
    .catch(async (error: unknown) => {
      throw new Error(`#${id} did not become ${expected}: it reads "${await page.evaluate(read, id)}", #error reads "${await page.evaluate(read, 'error')}"`, {
        cause: error,
      });
    });
}

async function signOut(page: Page): Promise<void> {
  await page.locator('#signout').click();
  await waitForStatus(page, 'signed-out');
}

describe('passkeys in Chromium through the SDK', () => {
  it('when a signed-in person adds a passkey, signs out and signs in with it, then the session works and its token says hwk', async () => {
    const email = await registeredUser();
    const page = await openApp();
    const { authenticatorId, cdp } = await virtualAuthenticator(page);
    await signIn(page, email, PASSWORD);

    await addPasskey(page, 'This laptop');
    await signOut(page);
    const tokens = tokensFrom(page, '/api/auth/passkeys/login/verify');
    await page.locator('#passkey-signin').click();
    await waitForStatus(page, `signed-in:${email}`);
    await steps.shot(page, 'signed in with the passkey');

    expect(await fetchStatusIn(page, '/api/user/profile')).toBe(200);
    expect(tokens).toHaveLength(1);
    expect(amrOf(tokens[0]!)).toEqual(['hwk']);
    const listed = await page.evaluate(
      async () =>
        (await (await (globalThis as unknown as PageGlobals).gatehouse.fetch('/api/auth/passkeys')).json()) as {
          passkeys: { name: string; lastUsedAt: string | null }[];
        },
    );
    expect(listed.passkeys).toEqual([expect.objectContaining({ name: 'This laptop', lastUsedAt: expect.any(String) })]);
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    expect(credentials).toEqual([expect.objectContaining({ isResidentCredential: true, rpId: 'localhost' })]);
  }, 60_000);

  it('when a cloned authenticator with a lower counter signs in, then the sign-in is refused and the page stays signed out', async () => {
    const email = await registeredUser();
    const page = await openApp();
    const original = await virtualAuthenticator(page);
    await signIn(page, email, PASSWORD);
    await addPasskey(page, 'Original');
    await signOut(page);
    await page.locator('#passkey-signin').click();
    await waitForStatus(page, `signed-in:${email}`);
    await signOut(page);
    const [credential] = (await original.cdp.send('WebAuthn.getCredentials', { authenticatorId: original.authenticatorId })).credentials;
    expect(credential!.signCount).toBeGreaterThan(0);

    // The copy: the same private key on another authenticator, its counter behind the original's.
    await original.cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: original.authenticatorId });
    const copy = await virtualAuthenticator(page);
    await copy.cdp.send('WebAuthn.addCredential', { authenticatorId: copy.authenticatorId, credential: { ...credential!, signCount: 0 } });
    const verdicts: number[] = [];
    page.on('response', (r) => new URL(r.url()).pathname === '/api/auth/passkeys/login/verify' && verdicts.push(r.status()));
    await page.locator('#passkey-signin').click();
    await waitForText(page, 'error', 'passkey_invalid');
    await steps.shot(page, 'clone refused');

    expect(verdicts).toEqual([401]);
    expect(await textOf(page, 'status')).toBe('signed-out');
    expect(await fetchStatusIn(page, '/api/user/profile')).toBe(401);
  }, 60_000);

  it('when the account has an authenticator app, then login() answers the challenge and completeLogin() with a code signs in', async () => {
    const email = await registeredUser();
    const login = (await (await gatewayPost('/api/auth/login', { email, password: PASSWORD })).json()) as { accessToken: string };
    const { secret } = (await (await gatewayPost('/api/auth/mfa/totp/setup', {}, login.accessToken)).json()) as { secret: string };
    const confirmedStep = totpStep(Date.now());
    expect((await gatewayPost('/api/auth/mfa/totp/confirm', { code: totpCode(secret, confirmedStep) }, login.accessToken)).status).toBe(200);
    const page = await openApp();

    const challenge = await page.evaluate((credentials) => (globalThis as unknown as PageGlobals).gatehouse.login(credentials), { email, password: PASSWORD });
    expect(challenge).toMatchObject({ mfaRequired: true, methods: ['totp', 'recovery_code'], mfaToken: expect.any(String) });
    expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).gatehouse.user)).toBeNull();

    await fill(page, '#signin-email', email);
    await fill(page, '#signin-password', PASSWORD);
    await page.locator('#signin-submit').click();
    await waitForStatus(page, 'mfa-required');
    // The confirming code's step is spent; the next step's code is within the drift allowed.
    await fill(page, '#mfa-code', totpCode(secret, confirmedStep + 1));
    await page.locator('#mfa-submit').click();
    await waitForStatus(page, `signed-in:${email}`);
    await steps.shot(page, 'signed in with a code');

    expect(await fetchStatusIn(page, '/api/user/profile')).toBe(200);
  }, 90_000);
});
