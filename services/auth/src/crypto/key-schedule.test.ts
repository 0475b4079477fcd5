import { keySchedule } from './key-schedule';

const LEAD = 1800_000;
const RETIRE_AFTER = 2100_000;
const timings = { leadMs: LEAD, retireAfterMs: RETIRE_AFTER };
const T = Date.parse('2026-06-01T00:00:00Z');
const k1 = { name: 'k1', activateAt: T - 86_400_000 };
const k2 = { name: 'k2', activateAt: T };
const k3 = { name: 'k3', activateAt: T + 86_400_000 };

const names = (keys: readonly { name: string }[]) => keys.map((k) => k.name);

describe('keySchedule', () => {
  it('when the next key is not yet within its lead, then only the current key is published', () => {
    const schedule = keySchedule([k2, k1], T - LEAD - 1, timings);
    expect(schedule.signing).toBe(k1);
    expect(names(schedule.published)).toEqual(['k1']);
    expect(schedule.plan.map((p) => p.state)).toEqual(['current', 'next']);
    expect(schedule.plan[1]).toMatchObject({ publishedFrom: T - LEAD, published: false });
    expect(schedule.problems).toEqual([]);
  });

  it('when the next key is within its lead, then it is published but the current key still signs', () => {
    const schedule = keySchedule([k1, k2], T - LEAD, timings);
    expect(schedule.signing).toBe(k1);
    expect(names(schedule.published)).toEqual(['k1', 'k2']);
  });

  it('when the next key activates, then it signs and the old one stays published as retired', () => {
    const schedule = keySchedule([k1, k2], T, timings);
    expect(schedule.signing).toBe(k2);
    expect(names(schedule.published)).toEqual(['k1', 'k2']);
    expect(schedule.plan.map((p) => p.state)).toEqual(['retired', 'current']);
    expect(schedule.plan[0]!.publishedUntil).toBe(T + RETIRE_AFTER);
    expect(schedule.plan[1]!.publishedUntil).toBe(Infinity);
  });

  it('when retire-after has passed since the successor activated, then the old key is gone', () => {
    const before = keySchedule([k1, k2], T + RETIRE_AFTER - 1, timings);
    const after = keySchedule([k1, k2], T + RETIRE_AFTER, timings);
    expect(names(before.published)).toEqual(['k1', 'k2']);
    expect(names(after.published)).toEqual(['k2']);
    expect(after.plan[0]!.state).toBe('gone');
  });

  it('when three keys are scheduled, then each is next, current, retired and gone in turn', () => {
    const at = (now: number) => keySchedule([k3, k1, k2], now, timings).plan.map((p) => p.state);
    expect(at(T - 1)).toEqual(['current', 'next', 'next']);
    expect(at(T + RETIRE_AFTER)).toEqual(['gone', 'current', 'next']);
    expect(at(k3.activateAt)).toEqual(['gone', 'retired', 'current']);
    expect(names(keySchedule([k1, k2, k3], k3.activateAt - LEAD, timings).published)).toEqual(['k2', 'k3']);
  });

  it('when a key has been active since forever, then it signs and is published at any instant', () => {
    const forever = { name: 'static', activateAt: -Infinity };
    const schedule = keySchedule([forever], 0, timings);
    expect(schedule.signing).toBe(forever);
    expect(names(schedule.published)).toEqual(['static']);
    expect(schedule.problems).toEqual([]);
  });

  it('when a key appears with less than the lead before activating, then it is published once it signs', () => {
    const late = { name: 'late', activateAt: T };
    expect(names(keySchedule([late], T, { leadMs: LEAD, retireAfterMs: 0 }).published)).toEqual(['late']);
  });

  it('when two keys activate at the same instant, then that is a problem', () => {
    const twin = { name: 'twin', activateAt: T };
    expect(keySchedule([k1, k2, twin], T, timings).problems).toEqual([expect.stringMatching(/same instant \(2026-06-01T00:00:00.000Z\)/)]);
  });

  it('when every key is still to come, then no key signs (the next one is published) and that is a problem', () => {
    const schedule = keySchedule([k2, k3], T - 1, timings);
    expect(schedule.signing).toBeUndefined();
    expect(names(schedule.published)).toEqual(['k2']);
    expect(schedule.problems).toEqual([expect.stringMatching(/no key is current yet/)]);
  });

  it('when no keys are given, then that is a problem', () => {
    expect(keySchedule([], T, timings).problems).toEqual(['no keys are configured']);
  });
});
