import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const root = resolve(__dirname, '../../..');
const run = promisify(execFile);

interface Outcome {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the built CLI with only the given settings, so the config.ts defaults apply to the rest. */
async function keys(args: readonly string[], env: Record<string, string> = {}): Promise<Outcome> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['scripts/keys.js', ...args], { cwd: root, env: { PATH: process.env.PATH ?? '', ...env } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

const LEAD_MS = 1800_000;
const MARGIN_MS = 600_000;

describe('npm run keys', () => {
  let dir: string;
  let manifest: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gatehouse-keys-'));
    manifest = join(dir, 'manifest.json');
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('when a key is generated into a manifest, then the key is private and activates after the lead plus a margin', async () => {
    const before = Date.now();

    const result = await keys(['generate', join(dir, 'keys'), manifest]);

    expect(result.code).toBe(0);
    const { keys: entries } = JSON.parse(await readFile(manifest, 'utf8')) as { keys: { file: string; activateAt: string }[] };
    expect(entries).toHaveLength(1);
    expect(entries[0]!.file).toMatch(/^keys\/[\w-]+\.pem$/);
    expect(Date.parse(entries[0]!.activateAt)).toBeGreaterThanOrEqual(before + LEAD_MS + MARGIN_MS);
    expect(result.stdout).toContain(JSON.stringify(entries[0]));
    expect((await stat(join(dir, entries[0]!.file))).mode & 0o777).toBe(0o600);
  });

  it('when one generated key has activated and the other is still ahead, then status shows one current and one next without warnings', async () => {
    await keys(['generate', join(dir, 'keys'), manifest]);
    await keys(['generate', join(dir, 'keys'), manifest]);
    const document = JSON.parse(await readFile(manifest, 'utf8')) as { keys: { file: string; activateAt: string }[] };
    document.keys[0]!.activateAt = new Date(Date.now() - 86_400_000).toISOString();
    await writeFile(manifest, JSON.stringify(document));

    const result = await keys(['status', manifest]);

    expect(result.code).toBe(0);
    const states = result.stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => line.split(/\s+/)[1]);
    expect(states).toEqual(['current', 'next']);
    expect(result.stdout).not.toContain('warning');
  });

  it('when the manifest comes from JWT_KEYS_MANIFEST_FILE and the next key activates within the lead, then status warns that verifiers may not have it', async () => {
    await keys(['generate', join(dir, 'keys'), manifest]);

    const result = await keys(['status'], { JWT_KEYS_MANIFEST_FILE: manifest, KEY_PUBLISH_LEAD_SECONDS: '7200' });

    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/ next /);
    expect(result.stdout).toContain('verifiers may not have it yet');
    expect(result.stdout).toContain('warning: no key is current yet');
  });

  it('when the manifest is broken, then status exits non-zero and says what is wrong', async () => {
    await writeFile(manifest, JSON.stringify({ keys: [{ file: 'k1.pem' }] }));

    const result = await keys(['status', manifest]);

    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('invalid key manifest');
    expect(result.stderr).toContain('"keys[0].activateAt" is required');
  });
});
