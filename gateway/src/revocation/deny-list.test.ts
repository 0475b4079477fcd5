import { createDenyList } from './deny-list';

function clockAt(start: number) {
  let at = start;
  return { now: () => at, advance: (ms: number) => (at += ms) };
}

describe('deny list', () => {
  it('when a user is revoked, then every session of that user is refused', () => {
    const list = createDenyList({ ttlMs: 1000 });
    list.revokeUser('u1');
    expect(list.has('u1', 's1')).toBe(true);
    expect(list.has('u1', 's2')).toBe(true);
    expect(list.has('u2', 's1')).toBe(false);
  });

  it('when sessions are revoked, then only those sessions are refused', () => {
    const list = createDenyList({ ttlMs: 1000 });
    list.revokeSessions(['s1', 's2']);
    expect(list.has('u1', 's1')).toBe(true);
    expect(list.has('u1', 's2')).toBe(true);
    expect(list.has('u1', 's3')).toBe(false);
  });

  it('when a client is revoked, then only that client is refused, and never a user or session of the same id', () => {
    const list = createDenyList({ ttlMs: 1000 });
    list.revokeClient('svc_1');
    expect(list.hasClient('svc_1')).toBe(true);
    expect(list.hasClient('svc_2')).toBe(false);
    expect(list.has('svc_1', 'svc_1')).toBe(false);
  });

  it('when a user is revoked, then no client of the same id is refused', () => {
    const list = createDenyList({ ttlMs: 1000 });
    list.revokeUser('u1');
    expect(list.hasClient('u1')).toBe(false);
  });

  it('when the TTL has passed, then the entry no longer refuses and pruning forgets it', () => {
    const clock = clockAt(1_000_000);
    const list = createDenyList({ ttlMs: 960_000, now: clock.now });
    list.revokeUser('u1');
    list.revokeSessions(['s1']);
    list.revokeClient('svc_1');

    clock.advance(959_999);
    expect(list.has('u1', 'x')).toBe(true);
    expect(list.has('x', 's1')).toBe(true);
    expect(list.hasClient('svc_1')).toBe(true);

    clock.advance(1);
    list.prune();
    expect(list.size).toBe(0);
    expect(list.has('u1', 's1')).toBe(false);
    expect(list.hasClient('svc_1')).toBe(false);
  });

  it('when a user is revoked again, then the TTL starts over', () => {
    const clock = clockAt(0);
    const list = createDenyList({ ttlMs: 100, now: clock.now });
    list.revokeUser('u1');
    clock.advance(80);
    list.revokeUser('u1');
    clock.advance(80);
    expect(list.has('u1', 's')).toBe(true);
  });

  describe('with the time of the revocation (learned late, in a catch-up)', () => {
    it('when a user, sessions and a client were revoked earlier, then each entry expires the TTL after that time, not after now', () => {
      const clock = clockAt(1_000_000);
      const list = createDenyList({ ttlMs: 960_000, now: clock.now });
      const at = clock.now() - 900_000;
      list.revokeUser('u1', at);
      list.revokeSessions(['s1', 's2'], at);
      list.revokeClient('svc_1', at);

      clock.advance(59_999);
      expect(list.has('u1', 'x')).toBe(true);
      expect(list.has('x', 's2')).toBe(true);
      expect(list.hasClient('svc_1')).toBe(true);

      clock.advance(1);
      expect(list.has('u1', 'x')).toBe(false);
      expect(list.has('x', 's1')).toBe(false);
      expect(list.hasClient('svc_1')).toBe(false);
      list.prune();
      expect(list.size).toBe(0);
    });

    it('when the revocation is older than the TTL, then nothing is remembered: every token it concerned has expired', () => {
      const clock = clockAt(1_000_000);
      const list = createDenyList({ ttlMs: 960_000, now: clock.now });
      list.revokeUser('u1', clock.now() - 960_000);
      list.revokeSessions(['s1'], clock.now() - 2_000_000);
      list.revokeClient('svc_1', clock.now() - 960_001);

      expect(list.size).toBe(0);
      expect(list.has('u1', 's1')).toBe(false);
      expect(list.hasClient('svc_1')).toBe(false);
    });

    it('when a revocation heard live is heard again with its earlier time, then the later expiry stays', () => {
      const clock = clockAt(1_000_000);
      const list = createDenyList({ ttlMs: 1000, now: clock.now });
      const committedAt = clock.now() - 300;
      list.revokeUser('u1');
      list.revokeSessions(['s1']);
      list.revokeClient('svc_1');

      list.revokeUser('u1', committedAt);
      list.revokeSessions(['s1'], committedAt);
      list.revokeClient('svc_1', committedAt);
      clock.advance(999);

      expect(list.has('u1', 'x')).toBe(true);
      expect(list.has('x', 's1')).toBe(true);
      expect(list.hasClient('svc_1')).toBe(true);
    });

    it('when a later revocation time arrives for a remembered entry, then the entry lives the TTL after the later time', () => {
      const clock = clockAt(1_000_000);
      const list = createDenyList({ ttlMs: 1000, now: clock.now });
      list.revokeSessions(['s1'], clock.now() - 800);
      list.revokeSessions(['s1'], clock.now() - 100);
      clock.advance(899);

      expect(list.has('x', 's1')).toBe(true);
      clock.advance(1);
      expect(list.has('x', 's1')).toBe(false);
    });
  });
  describe('pruning, from the soonest expiry on', () => {
    it('when an entry expires exactly now, then pruning forgets it, and one a millisecond later stays', () => {
      const clock = clockAt(1_000_000);
      const list = createDenyList({ ttlMs: 1000, now: clock.now });
      list.revokeSessions(['s1']);
      clock.advance(1);
      list.revokeSessions(['s2']);
      clock.advance(999);

      expect(list.prune()).toBe(true);
      expect(list.size).toBe(1);
      expect(list.has('x', 's1')).toBe(false);
      expect(list.has('x', 's2')).toBe(true);
    });

    it('when entries learned late arrive out of expiry order, then each refuses until its own expiry, and all are forgotten once the latest expired', () => {
      const clock = clockAt(1_000_000);
      const list = createDenyList({ ttlMs: 1000, now: clock.now });
      const ids = Array.from({ length: 200 }, (_, i) => `s${i}`);
      list.revokeSessions(ids);
      // Each learned late, at its own earlier time: the ones added last expire first.
      ids.forEach((id, i) => list.revokeSessions([`late-${id}`], clock.now() - 900 + i));
      clock.advance(100);

      list.prune();
      ids.forEach((id, i) => expect(list.has('x', `late-${id}`)).toBe(i > 0));
      expect(list.has('x', 's0')).toBe(true);
      clock.advance(900);
      expect(list.prune()).toBe(true);
      expect(list.size).toBe(0);
    });

    it('when an entry is stamped ahead of this clock, then it refuses until its own expiry, and the entries after it are forgotten on time', () => {
      const clock = clockAt(1_000_000);
      const list = createDenyList({ ttlMs: 1000, now: clock.now });
      list.revokeClient('ahead', clock.now() + 5000);
      list.revokeClient('svc_1');
      clock.advance(1000);

      expect(list.prune()).toBe(true);
      expect(list.size).toBe(1);
      expect(list.hasClient('ahead')).toBe(true);
      clock.advance(5000);
      list.prune();
      expect(list.size).toBe(0);
    });

    it('when more entries expired than the limit, then each call forgets at most that many, and calls until one says it is done forget them all', () => {
      const clock = clockAt(1_000_000);
      const list = createDenyList({ ttlMs: 1000, now: clock.now });
      list.revokeSessions(Array.from({ length: 1000 }, (_, i) => `expiring-${i}`));
      list.revokeUser('u1');
      clock.advance(1);
      list.revokeSessions(['live']);
      clock.advance(999);

      expect(list.prune(100)).toBe(false);
      expect(list.size).toBeGreaterThanOrEqual(1002 - 100);
      let calls = 1;
      while (!list.prune(100)) calls += 1;
      expect(calls).toBeLessThanOrEqual(12);
      expect(list.size).toBe(1);
      expect(list.has('x', 'live')).toBe(true);
    });
  });
});
