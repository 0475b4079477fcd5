import { accessSync, constants } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, isAbsolute, join } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

/** Where each test's screenshots and page console go (git-ignored), one folder per test. */
export const ARTIFACTS_DIR = join(__dirname, 'artifacts');

/** Tried in order on the PATH when CHROME_PATH is not set: Debian's, Ubuntu's, Google's. */
const BROWSER_NAMES = ['chromium', 'chromium-browser', 'google-chrome'];

const INSTALL_HINT =
  "Install Debian's Chromium (apt-get update && apt-get install -y --no-install-recommends chromium) or set CHROME_PATH; the browser tests never skip.";

const CHROMIUM_FLAGS = [
  '--headless',
  // CI and containers run as root, where Chromium's sandbox cannot start.
  '--no-sandbox',
  '--disable-gpu',
  // Plain HTTP/1.1 on localhost: no QUIC probes that could reorder the requests we count.
  '--disable-quic',
  '--no-first-run',
  // Nothing but the page under test talks to the network.
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // Two tabs run at once and only one is in front: the other's timers must not be slowed to
  // a tick per second, or its refresh would fire late and the count would measure throttling.
  '--disable-background-timer-throttling',
  '--disable-renderer-backgrounding',
  '--disable-backgrounding-occluded-windows',
];

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** CHROME_PATH, else the first of chromium, chromium-browser, google-chrome on the PATH; else an error saying what to install. */
export function findChrome(env: Record<string, string | undefined> = process.env): string {
  const chosen = env.CHROME_PATH;
  if (chosen) {
    if (isAbsolute(chosen) && isExecutable(chosen)) return chosen;
    throw new Error(`CHROME_PATH=${chosen} is not an executable file. ${INSTALL_HINT}`);
  }
  const dirs = (env.PATH ?? '').split(delimiter).filter(Boolean);
  for (const name of BROWSER_NAMES) {
    for (const dir of dirs) {
      const candidate = join(dir, name);
      if (isExecutable(candidate)) return candidate;
    }
  }
  throw new Error(`No Chromium found (looked for ${BROWSER_NAMES.join(', ')} on the PATH). ${INSTALL_HINT}`);
}

export interface TestBrowser {
  readonly browser: Browser;
  close(): Promise<void>;
}

/** Headless Chromium on a fresh temporary profile, removed on close. */
export async function launchBrowser(): Promise<TestBrowser> {
  const profile = await mkdtemp(join(tmpdir(), 'gh-chromium-'));
  const browser = await puppeteer.launch({
    executablePath: findChrome(),
    ignoreDefaultArgs: true,
    args: [...CHROMIUM_FLAGS, `--user-data-dir=${profile}`],
    pipe: true,
    timeout: 20_000,
  });
  return {
    browser,
    async close() {
      await browser.close().catch(() => undefined);
      await rm(profile, { recursive: true, force: true });
    },
  };
}

const slug = (text: string) =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 80);

/**
 * The current test's evidence: numbered screenshots of each step and what its pages logged,
 * in `artifacts/<test name>/`, so a failure in CI can be read without rerunning it.
 */
export class StepRecorder {
  private step = 0;
  private readonly started = Date.now();
  private readonly lines: string[] = [];
  private readonly dir: string;

  private constructor(dir: string) {
    this.dir = dir;
  }

  /** A recorder for one test, with the evidence of its previous run removed. */
  static async begin(testName: string): Promise<StepRecorder> {
    const dir = join(ARTIFACTS_DIR, slug(testName) || 'unnamed');
    await rm(dir, { recursive: true, force: true });
    return new StepRecorder(dir);
  }

  /** Copies a page's console messages, uncaught errors and failed requests into the log. */
  watch(page: Page, label: string): void {
    page.on('console', (m) => this.lines.push(`[${label}] console.${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => this.lines.push(`[${label}] pageerror: ${e instanceof Error ? e.message : String(e)}`));
    page.on('requestfailed', (r) => this.lines.push(`[${label}] requestfailed: ${r.method()} ${r.url()} ${r.failure()?.errorText ?? ''}`));
  }

  async shot(page: Page, name: string): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    this.step += 1;
    this.lines.push(`+${Date.now() - this.started} ms: step ${this.step} ${name}`);
    const file = join(this.dir, `${String(this.step).padStart(2, '0')}-${slug(name)}.png`);
    // A page that hangs (a stuck dialog, a crashed renderer) must not hang the test with it.
    const timeout = new Promise<never>((_, fail) => setTimeout(() => fail(new Error('no screenshot within 5 s')), 5_000).unref());
    await Promise.race([page.screenshot({ path: file as `${string}.png`, fullPage: true }), timeout]).catch((error: unknown) => {
      this.lines.push(`screenshot ${name} failed: ${String(error)}`);
    });
  }

  log(): string {
    return this.lines.join('\n');
  }

  async save(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await writeFile(join(this.dir, 'console.log'), this.log() + '\n');
  }
}
