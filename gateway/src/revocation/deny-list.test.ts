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
});
