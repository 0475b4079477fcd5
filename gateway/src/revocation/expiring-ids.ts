/**
 * Ids, each with the time (ms) its entry expires, kept about in the order they expire so that
 * pruning costs what expired, not what is held. A Map iterates in insertion order, and entries
 * are added about in expiry order: live revocations exactly, one learned late expires earlier
 * than its place says (never later), and one re-added with a later expiry moves to the back.
 */
export interface ExpiringIds {
  /** True when the id's entry expires after `at`; an expired one is forgotten on the way. */
  live(id: string, at: number): boolean;
  /** Makes each id's entry expire at `until`, unless it already expires as late or later. */
  extend(ids: readonly string[], until: number): void;
  /**
   * Forgets expired entries from the front until it meets a live one, the end, or has handled
   * `budget` entries. Returns the budget left, or -1 when the budget ran out first.
   */
  pruneFront(at: number, budget: number): number;
  readonly size: number;
}

/**
 * The ids are spread over 2^6 Maps. A Map that loses most of its entries is rehashed in one go,
 * a pause in its size (~30 ms of CPU at a million entries all expiring after a mass revocation,
 * on the shared bench machine); a 64th of that is well under a millisecond.
 */
const SHARD_BITS = 6;

/** One of the maps, and where the last prune stopped in it. */
interface Shard {
  readonly entries: Map<string, number>;
  // Deleted entries stay in a Map as holes until it is rehashed: a fresh iterator on each slice
  // of a big prune would walk every hole at the front again.
  cursor: Iterator<[string, number]> | undefined;
  // The live entry the last prune stopped at: the cursor has already passed it.
  held: [string, number] | undefined;
}

/**
 * FNV-1a of the last 8 characters, top bits: ids are UUIDs or client ids, whose ends vary most.
 * Enough of them that shards fill evenly (±2 % at a million UUIDs), as one Map of them all would.
 */
function shardIndex(id: string, bits: number): number {
  let hash = 0x811c9dc5;
  for (let i = Math.max(0, id.length - 8); i < id.length; i += 1) hash = Math.imul(hash ^ id.charCodeAt(i), 0x01000193);
  return bits === 0 ? 0 : hash >>> (32 - bits);
}

function nextEntry(shard: Shard): [string, number] | undefined {
  const { held } = shard;
  shard.held = undefined;
  // Unless forgotten by a lookup since, or moved to the back, where the cursor meets it again.
  if (held && shard.entries.get(held[0]) === held[1]) return held;
  shard.cursor ??= shard.entries.entries();
  const step = shard.cursor.next();
  if (!step.done) return step.value;
  shard.cursor = undefined;
  return undefined;
}

function pruneShard(shard: Shard, at: number, ttlMs: number, budget: number): number {
  // Entries moved to the back come round again: visiting at most `size` bounds the walk.
  for (let visits = shard.entries.size; visits > 0; visits -= 1) {
    if (budget === 0) return -1;
    const entry = nextEntry(shard);
    if (entry === undefined) break;
    budget -= 1;
    // Indexed, not destructured: until this code is optimised, destructuring runs the iterator protocol.
    const id = entry[0];
    const until = entry[1];
    if (until <= at) {
      shard.entries.delete(id);
    } else if (until - at > ttlMs) {
      // Stamped ahead of this clock (auth's runs fast): to the back, so it holds up no entry behind it.
      shard.entries.delete(id);
      shard.entries.set(id, until);
    } else {
      shard.held = entry;
      break;
    }
  }
  return budget;
}

/**
 * `ttlMs`: the longest an entry stamped with this process's clock can live. `shardBits` 0 keeps
 * one Map, whose order tests can follow.
 */
export function createExpiringIds(ttlMs: number, shardBits = SHARD_BITS): ExpiringIds {
  const shards: Shard[] = Array.from({ length: 2 ** shardBits }, () => ({ entries: new Map<string, number>(), cursor: undefined, held: undefined }));
  const shardOf = (id: string) => shards[shardIndex(id, shardBits)]!;
  return {
    live(id, at) {
      const { entries } = shardOf(id);
      const until = entries.get(id);
      if (until === undefined) return false;
      if (until > at) return true;
      entries.delete(id);
      return false;
    },
    extend(ids, until) {
      // What the first id stored, read back and handed on: optimised code would otherwise box
      // `until` anew for each id (16 B per entry more in bench/lib/deny-list-micro.js).
      let stored = until;
      for (const id of ids) {
        const { entries } = shardOf(id);
        if ((entries.get(id) ?? 0) >= until) continue;
        // Re-inserted, not updated in place: a later expiry belongs at the back, behind earlier ones.
        entries.delete(id);
        entries.set(id, stored);
        stored = entries.get(id) ?? until;
      }
    },
    pruneFront(at, budget) {
      for (const shard of shards) {
        budget = pruneShard(shard, at, ttlMs, budget);
        if (budget < 0) return -1;
      }
      return budget;
    },
    get size() {
      return shards.reduce((total, shard) => total + shard.entries.size, 0);
    },
  };
}
