import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalJWKSet, createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import { createKeyRing, keyTimings } from '../src/crypto/key-ring';
import { loadKeyManifest } from '../src/crypto/key-manifest';
import { startAuth, registerAndLogin, type AuthHarness, type Client } from './auth-harness';

/** Compressed time: a token lives 2 s, keys are published 3 s ahead, verifiers cache 2 s. */
const SETTINGS = { ACCESS_TOKEN_TTL_SECONDS: 2, KEY_PUBLISH_LEAD_SECONDS: 3, VERIFIER_CACHE_SECONDS: 2 };
const STEP_MS = 200;
/** When k2 takes over, counted from the start of the test. */
const HANDOVER_MS = 6000;
const RUN_MS = 14_000;
/**
 * The timeline starts this long after the manifest is written: setup (two RSA keys, a database,
 * the service) takes seconds on a busy machine, and k2 is published 3 s into the timeline, so a
 * timeline starting before setup lost its "k1 alone" phase in loaded full runs.
 */
const SETUP_ALLOWANCE_MS = 10_000;

interface Verifier {
  readonly name: string;
  verify(token: string, now: number): Promise<void>;
}

interface Metadata {
  issuer: string;
  jwks_uri: string;
}

/** Discovery as a verifier does it; the path of `jwks_uri` is reached where the test serves auth. */
async function discover(harness: AuthHarness): Promise<{ metadata: Metadata; jwksUrl: URL }> {
  const metadata = (await (await fetch(`${harness.url}/.well-known/oauth-authorization-server`)).json()) as Metadata;
  // The issuer's public host is not this loopback port; a cluster's DNS would make it so.
  return { metadata, jwksUrl: new URL(new URL(metadata.jwks_uri).pathname, harness.url) };
}

function verifyOptions(harness: AuthHarness, metadata: Metadata, now: number) {
  return { issuer: metadata.issuer, audience: harness.config.JWT_AUDIENCE, typ: 'at+jwt', currentDate: new Date(now), clockTolerance: 0 };
}

/**
 * jose's remote key set, caching for a day: it refetches only on an unknown kid (no cooldown, as
 * the 30 s default is real time and the test's time is compressed).
 */
async function joseRemote(harness: AuthHarness): Promise<Verifier> {
  const { metadata, jwksUrl } = await discover(harness);
  const keys: JWTVerifyGetKey = createRemoteJWKSet(jwksUrl, { cacheMaxAge: 86_400_000, cooldownDuration: 0 });
  return {
    name: 'jose createRemoteJWKSet',
    async verify(token, now) {
      await jwtVerify(token, keys, verifyOptions(harness, metadata, now));
    },
  };
}

/**
 * Like Istio: fetches the JWKS once per refresh interval and never refetches on an unknown kid.
 * `phaseMs` shifts when in the interval it refreshes, so some instance refreshes just before a
 * key is published.
 */
function pollingVerifier(harness: AuthHarness, refreshMs: number, phaseMs: number): Verifier & { fetches(): number } {
  let keys: { slot: number; set: JWTVerifyGetKey; metadata: Metadata } | undefined;
  let fetches = 0;
  return {
    name: `polling every ${refreshMs} ms, phase ${phaseMs} ms`,
    fetches: () => fetches,
    async verify(token, now) {
      const slot = Math.floor((now + phaseMs) / refreshMs);
      if (keys === undefined || slot !== keys.slot) {
        const { metadata, jwksUrl } = await discover(harness);
        keys = { slot, set: createLocalJWKSet((await (await fetch(jwksUrl)).json()) as JSONWebKeySet), metadata };
        fetches += 1;
      }
      await jwtVerify(token, keys.set, verifyOptions(harness, keys.metadata, now));
    },
  };
}

function pem(): string {
  return generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
}

interface Issued {
  readonly token: string;
  readonly kid: string;
  readonly expiresAt: number;
}

let folder: string;
let harness: AuthHarness;
let start: number;
let offset = 0;
/** The injected clock of the harness, mirrored here. */
const clock = () => Date.now() + offset;
function advance(ms: number): void {
  offset += ms;
  harness.advance(ms);
}

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'gatehouse-keys-'));
  start = Date.now() + SETUP_ALLOWANCE_MS;
  await writeFile(join(folder, 'k1.pem'), pem());
  await writeFile(join(folder, 'k2.pem'), pem());
  const manifest = {
    keys: [
      { file: 'k1.pem', activateAt: new Date(start - 60_000).toISOString() },
      { file: 'k2.pem', activateAt: new Date(start + HANDOVER_MS).toISOString() },
    ],
  };
  await writeFile(join(folder, 'keys.json'), JSON.stringify(manifest));
  const keyRing = createKeyRing(await loadKeyManifest(join(folder, 'keys.json')), keyTimings(SETTINGS));
  const env = Object.fromEntries(Object.entries(SETTINGS).map(([k, v]) => [k, String(v)]));
  harness = await startAuth('rotation', { ...env, REFRESH_SESSION_LIMIT: '100000' }, { keyRing });
});

afterAll(async () => {
  await harness.close();
  await rm(folder, { recursive: true, force: true });
});

async function issue(client: Client): Promise<Issued> {
  const response = await client.refresh();
  if (response.status !== 200) throw new Error(`refresh failed: ${response.status} ${await response.text()}`);
  const { accessToken } = (await response.json()) as { accessToken: string };
  return { token: accessToken, kid: decodeProtectedHeader(accessToken).kid!, expiresAt: decodeJwt(accessToken).exp! * 1000 };
}

describe('signing key rotation in compressed time', () => {
  it('when tokens are issued continuously through next → current → retired, then both third-party verifiers accept every one', async () => {
    advance(Math.max(0, start - clock()));
    const { client } = await registerAndLogin(harness);
    const jose = await joseRemote(harness);
    const refreshMs = SETTINGS.VERIFIER_CACHE_SECONDS * 1000;
    const polling = [0, 500, 1000, 1500].map((phase) => pollingVerifier(harness, refreshMs, phase));
    const verifiers = [jose, ...polling];
    const verified = new Map(verifiers.map((v) => [v.name, 0]));
    const failures: string[] = [];
    const live: Issued[] = [];
    const kidsIssued: string[] = [];
    const jwksSeen: string[][] = [];
    const etags = new Set<string>();
    let ownVerifierChecks = 0;

    while (clock() < start + RUN_MS) {
      const issued = await issue(client);
      if (kidsIssued.at(-1) !== issued.kid) kidsIssued.push(issued.kid);
      live.push(issued);
      const now = clock();
      // Every token still alive is checked at every step, by every verifier: old-key tokens right up to expiry.
      for (const token of live.filter((t) => now < t.expiresAt)) {
        for (const verifier of verifiers) {
          try {
            await verifier.verify(token.token, now);
            verified.set(verifier.name, verified.get(verifier.name)! + 1);
          } catch (error) {
            failures.push(`${verifier.name} at +${now - start} ms, kid ${token.kid}: ${(error as Error).message}`);
          }
        }
      }
      const own = await fetch(`${harness.url}/api/auth/sessions`, { headers: { authorization: `Bearer ${live[0]!.token}` } });
      if (now < live[0]!.expiresAt) {
        ownVerifierChecks += 1;
        if (own.status !== 200) failures.push(`auth's own verifier at +${now - start} ms: ${own.status}`);
      }
      const jwks = await fetch(`${harness.url}/.well-known/jwks.json`);
      etags.add(jwks.headers.get('etag')!);
      const kids = ((await jwks.json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid);
      if (JSON.stringify(jwksSeen.at(-1)) !== JSON.stringify(kids)) jwksSeen.push(kids);
      while (live.length > 0 && live[0]!.expiresAt <= now) live.shift();
      advance(STEP_MS);
    }

    // eslint-disable-next-line no-console -- the measured counts are what the rotation run reports
    console.log(
      `rotation: ${kidsIssued.length} keys; ${[...verified].map(([name, n]) => `${name}: ${n} verified`).join(', ')}; auth's own verifier: ${ownVerifierChecks}; ` +
        `failures: ${failures.length}; polling fetches: ${polling.map((p) => p.fetches()).join('/')}`,
    );
    expect(failures).toEqual([]);
    const [k1, k2] = kidsIssued;
    expect(kidsIssued).toEqual([k1, k2]);
    // Published set over time: k1 alone, k1 + k2 (next), k1 + k2 (k1 retired), k2 alone.
    expect(jwksSeen).toEqual([[k1], [k1, k2], [k2]]);
    expect(etags.size).toBe(3);
    for (const verifier of verifiers) expect(verified.get(verifier.name)).toBeGreaterThan(100);
  });

  it('when the JWKS is asked for with the ETag of the current set, then 304', async () => {
    const first = await fetch(`${harness.url}/.well-known/jwks.json`);
    const again = await fetch(`${harness.url}/.well-known/jwks.json`, { headers: { 'if-none-match': first.headers.get('etag')! } });
    expect(again.status).toBe(304);
  });
});
