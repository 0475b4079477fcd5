import type { HTTPRequest, HTTPResponse, Page } from 'puppeteer-core';

/** The SDK client as the example page exposes it on `window.gatehouse` (the page contract). */
export interface GatehouseOnPage {
  login(credentials: { email: string; password: string }): Promise<unknown>;
  completeLogin(proof: { mfaToken: string; code: string } | { mfaToken: string; recoveryCode: string }): Promise<unknown>;
  loginWithPasskey(): Promise<unknown>;
  registerPasskey(name?: string): Promise<unknown>;
  logout(): Promise<void>;
  logoutAll(): Promise<void>;
  restore(): Promise<unknown>;
  fetch(input: string, init?: Record<string, unknown>): Promise<{ status: number; json(): Promise<unknown> }>;
  readonly user: { email: string } | null | undefined;
  onSessionEnded(listener: (reason: unknown) => void): unknown;
}

interface StorageLike {
  readonly length: number;
  key(index: number): string | null;
  getItem(key: string): string | null;
}

/**
 * The few browser globals the tests touch inside the page. The test build has no DOM library,
 * so the functions handed to `page.evaluate` cast `globalThis` to this; casts vanish when compiled.
 */
export interface PageGlobals {
  readonly gatehouse: GatehouseOnPage;
  readonly document: { cookie: string; getElementById(id: string): { textContent: string | null } | null };
  readonly localStorage: StorageLike;
  readonly sessionStorage: StorageLike;
}

export const textOf = (page: Page, id: string): Promise<string> =>
  page.evaluate((elementId) => ((globalThis as unknown as PageGlobals).document.getElementById(elementId)?.textContent ?? '').trim(), id);

/** Waits until #status reads `expected` (exactly, or by pattern); a timeout says what it read instead. */
export async function waitForStatus(page: Page, expected: string | RegExp, timeoutMs = 10_000): Promise<string> {
  const pattern = typeof expected === 'string' ? { source: `^${expected.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, flags: '' } : expected;
  try {
    await page.waitForFunction(
      (source: string, flags: string) =>
        new RegExp(source, flags).test(((globalThis as unknown as PageGlobals).document.getElementById('status')?.textContent ?? '').trim()),
      { timeout: timeoutMs, polling: 50 },
      pattern.source,
      pattern.flags,
    );
  } catch (error) {
    const [status, problem] = await Promise.all([textOf(page, 'status'), textOf(page, 'error')]).catch(() => ['?', '?']);
    throw new Error(`#status did not become ${String(expected)} within ${timeoutMs} ms: it reads "${status}", #error reads "${problem}"`, { cause: error });
  }
  return textOf(page, 'status');
}

export async function fill(page: Page, selector: string, value: string): Promise<void> {
  await page.locator(selector).fill(value);
}

export async function signIn(page: Page, email: string, password: string): Promise<void> {
  await fill(page, '#signin-email', email);
  await fill(page, '#signin-password', password);
  await page.locator('#signin-submit').click();
  await waitForStatus(page, `signed-in:${email}`);
}

/** `gatehouse.fetch(path)` inside the page; its status. */
export const fetchStatusIn = (page: Page, path: string): Promise<number> =>
  page.evaluate(async (p) => (await (globalThis as unknown as PageGlobals).gatehouse.fetch(p)).status, path);

/** Every request and response a page makes to one API path, with its time and Bearer. */
export interface Traffic {
  readonly requests: { at: number; bearer: string | undefined; page: string }[];
  readonly statuses: number[];
}

export function recordTraffic(pages: Record<string, Page>, method: string, path: string): Traffic {
  const traffic: Traffic = { requests: [], statuses: [] };
  const matches = (url: string, m: string) => m === method && new URL(url).pathname === path;
  for (const [label, page] of Object.entries(pages)) {
    page.on('request', (request: HTTPRequest) => {
      if (!matches(request.url(), request.method())) return;
      const bearer = request.headers().authorization?.replace(/^Bearer /i, '');
      traffic.requests.push({ at: Date.now(), bearer, page: label });
    });
    page.on('response', (response: HTTPResponse) => {
      if (matches(response.url(), response.request().method())) traffic.statuses.push(response.status());
    });
  }
  return traffic;
}

export interface WireAnswer {
  readonly method: string;
  readonly path: string;
  readonly status: number;
}

/**
 * What the server answered to a page's requests, read from the network layer: unlike the
 * page's `response` events this includes answers the browser then withheld from the page
 * (an opaque no-cors response blocked by Cross-Origin-Resource-Policy).
 */
export async function recordWireAnswers(page: Page): Promise<{ answers(): WireAnswer[] }> {
  const cdp = await page.createCDPSession();
  const sent = new Map<string, { method: string; path: string }>();
  const statuses = new Map<string, number>();
  cdp.on('Network.requestWillBeSent', (e) => sent.set(e.requestId, { method: e.request.method, path: new URL(e.request.url).pathname }));
  cdp.on('Network.responseReceivedExtraInfo', (e) => statuses.set(e.requestId, e.statusCode));
  await cdp.send('Network.enable');
  return {
    answers: () =>
      [...statuses].flatMap(([id, status]) => {
        const request = sent.get(id);
        return request ? [{ ...request, status }] : [];
      }),
  };
}
