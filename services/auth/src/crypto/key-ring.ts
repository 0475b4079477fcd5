import { keySchedule, type KeySchedule, type ScheduleTimings } from './key-schedule';
import type { AuthConfig } from '../config';
import type { Jwks, KeySet, PublicJwk, SigningKey } from './signing-keys';

/** A signing key with the instant it starts signing and the JWK verifiers know it by. */
export interface RingKey {
  readonly signing: SigningKey;
  readonly jwk: PublicJwk;
  readonly activateAt: number;
}

/** The keys of the service as they stand at an instant; asked again on every use. */
export interface KeyRing {
  /** The key a token signed at `now` carries; throws when no key is current. */
  signingKey(now: number): SigningKey;
  /** The set to publish at `now`; the same object for as long as the set does not change. */
  jwks(now: number): Jwks;
  schedule(now: number): KeySchedule<RingKey>;
}

/**
 * A key ring over scheduled keys. `alwaysPublished` are public keys with no schedule (the older
 * `JWT_PUBLISHED_PUBLIC_KEY_FILES`), published for as long as they are configured.
 */
export function createKeyRing(keys: readonly RingKey[], timings: ScheduleTimings, alwaysPublished: readonly PublicJwk[] = []): KeyRing {
  if (keys.length === 0) throw new Error('a key ring needs at least one signing key');
  let last: { readonly id: string; readonly jwks: Jwks } | undefined;
  const schedule = (now: number) => keySchedule(keys, now, timings);
  return {
    schedule,
    signingKey(now) {
      const { signing, problems } = schedule(now);
      if (!signing) throw new Error(`no signing key is current: ${problems.join('; ')}`);
      return signing.signing;
    },
    jwks(now) {
      const scheduled = schedule(now).published.map((key) => key.jwk);
      const kids = new Set(scheduled.map((jwk) => jwk.kid));
      const published = [...scheduled, ...alwaysPublished.filter((jwk) => !kids.has(jwk.kid))];
      const id = published.map((jwk) => jwk.kid).join(' ');
      // Same object while the set stands, so verifiers and ETags are recomputed only on a change.
      if (last?.id !== id) last = { id, jwks: { keys: published } };
      return last.jwks;
    },
  };
}

/** One key that has signed since forever, plus extra published keys: `JWT_PRIVATE_KEY_FILE`. */
export function staticKeyRing(set: KeySet): KeyRing {
  const [jwk, ...extra] = set.jwks.keys;
  return createKeyRing([{ signing: set.signing, jwk: jwk!, activateAt: -Infinity }], { leadMs: 0, retireAfterMs: 0 }, extra);
}

/** Publication timings of the schedule, from configuration. */
export function keyTimings(config: Pick<AuthConfig, 'KEY_PUBLISH_LEAD_SECONDS' | 'ACCESS_TOKEN_TTL_SECONDS' | 'VERIFIER_CACHE_SECONDS'>): ScheduleTimings {
  return {
    leadMs: config.KEY_PUBLISH_LEAD_SECONDS * 1000,
    // A token signed just before the hand-over lives its TTL; a verifier may hold the set that long more.
    retireAfterMs: (config.ACCESS_TOKEN_TTL_SECONDS + config.VERIFIER_CACHE_SECONDS) * 1000,
  };
}
