/** Where a key stands at a given instant: published ahead, signing, published behind, or withdrawn. */
export type KeyState = 'next' | 'current' | 'retired' | 'gone';

export interface ScheduledKey {
  /** Milliseconds since the epoch; `-Infinity` for a key that has signed since forever. */
  readonly activateAt: number;
}

export interface ScheduleTimings {
  /** How long verifiers see a key before anything is signed with it. */
  readonly leadMs: number;
  /** How long a key stays published after its successor takes over: token TTL + verifier cache. */
  readonly retireAfterMs: number;
}

export interface KeyPlan<K extends ScheduledKey> {
  readonly key: K;
  readonly state: KeyState;
  readonly publishedFrom: number;
  /** `Infinity` while no successor is scheduled. */
  readonly publishedUntil: number;
  readonly published: boolean;
}

export interface KeySchedule<K extends ScheduledKey> {
  /** The latest key with `activateAt ≤ now`; absent when every key is still to come. */
  readonly signing: K | undefined;
  /** Keys verifiers must be able to find now, in activation order. */
  readonly published: readonly K[];
  /** Every key, in activation order. */
  readonly plan: readonly KeyPlan<K>[];
  readonly problems: readonly string[];
}

function stateOf(index: number, signingIndex: number, now: number, publishedUntil: number): KeyState {
  if (index > signingIndex) return 'next';
  if (index === signingIndex) return 'current';
  return now < publishedUntil ? 'retired' : 'gone';
}

function problemsOf(sorted: readonly ScheduledKey[], signingIndex: number): string[] {
  const problems: string[] = [];
  for (let i = 1; i < sorted.length; i += 1) {
    // Two keys activating together leave replicas to disagree on which one signs.
    if (sorted[i]!.activateAt === sorted[i - 1]!.activateAt) problems.push(`two keys activate at the same instant (${describe(sorted[i]!.activateAt)})`);
  }
  if (sorted.length === 0) problems.push('no keys are configured');
  else if (signingIndex < 0) problems.push(`no key is current yet: the first activates at ${describe(sorted[0]!.activateAt)}`);
  return problems;
}

function describe(instant: number): string {
  return Number.isFinite(instant) ? new Date(instant).toISOString() : String(instant);
}

/**
 * Decides, from the keys' activation instants alone, which key signs at `now` and which keys are
 * published: a key from `activateAt − lead` until its successor's `activateAt + retireAfter`.
 * Pure, so every replica with the same manifest and clock reaches the same answer.
 */
export function keySchedule<K extends ScheduledKey>(keys: readonly K[], now: number, timings: ScheduleTimings): KeySchedule<K> {
  const sorted = [...keys].sort((a, b) => a.activateAt - b.activateAt);
  let signingIndex = -1;
  sorted.forEach((key, index) => {
    if (key.activateAt <= now) signingIndex = index;
  });
  const plan = sorted.map((key, index): KeyPlan<K> => {
    const successor = sorted[index + 1];
    const publishedFrom = key.activateAt - timings.leadMs;
    const publishedUntil = successor ? successor.activateAt + timings.retireAfterMs : Infinity;
    const state = stateOf(index, signingIndex, now, publishedUntil);
    // The signing key is always published, even when it appeared with less than the lead.
    const published = state === 'current' || (now >= publishedFrom && now < publishedUntil);
    return { key, state, publishedFrom, publishedUntil, published };
  });
  return {
    signing: sorted[signingIndex],
    published: plan.filter((entry) => entry.published).map((entry) => entry.key),
    plan,
    problems: problemsOf(sorted, signingIndex),
  };
}
