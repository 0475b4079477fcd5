import { keySchedule, type KeyState, type ScheduleTimings } from './key-schedule';
import type { RingKey } from './key-ring';

/** Where one key of a manifest stands, for an operator. Instants in ms; `±Infinity` when open-ended. */
export interface KeyStatusRow {
  readonly kid: string;
  readonly state: KeyState;
  readonly publishedFrom: number;
  readonly publishedUntil: number;
  readonly signingFrom: number;
  readonly signingUntil: number;
}

export interface KeyStatus {
  readonly rows: readonly KeyStatusRow[];
  readonly warnings: readonly string[];
}

/**
 * The schedule of `keys` at `now`, with its problems plus one warning per upcoming key that
 * activates sooner than the publish lead: verifiers may not have fetched it before it signs.
 */
export function keyStatus(keys: readonly RingKey[], now: number, timings: ScheduleTimings): KeyStatus {
  const schedule = keySchedule(keys, now, timings);
  const rows = schedule.plan.map((entry, index): KeyStatusRow => ({
    kid: entry.key.jwk.kid,
    state: entry.state,
    publishedFrom: entry.publishedFrom,
    publishedUntil: entry.publishedUntil,
    signingFrom: entry.key.activateAt,
    signingUntil: schedule.plan[index + 1]?.key.activateAt ?? Infinity,
  }));
  // Only activation matters: a key published later than the lead is still seen in time if it signs later.
  const early = rows
    .filter((row) => row.state === 'next' && row.signingFrom - now < timings.leadMs)
    .map(
      (row) =>
        `key ${row.kid} activates at ${new Date(row.signingFrom).toISOString()}, less than the publish lead (${timings.leadMs / 1000} s) from now: verifiers may not have it yet`,
    );
  return { rows, warnings: [...schedule.problems, ...early] };
}
