import { createExpiringIds } from './expiring-ids';

const TTL_MS = 1000;
/** One Map, so that the order pruning walks is the order of the test. */
const inOneMap = () => createExpiringIds(TTL_MS, 0);

describe('expiring ids, pruned from the front', () => {
  it('when nothing has expired, then pruning stops at the first entry and says it is done', () => {
    const ids = inOneMap();
    ids.extend(['a', 'b', 'c'], 2000);

    expect(ids.pruneFront(1000, 10)).toBe(9);
    expect(ids.size).toBe(3);
  });

  it('when an entry expires exactly at the time of the prune, then it is forgotten, and one a millisecond later is not', () => {
    const ids = inOneMap();
    ids.extend(['a'], 2000);
    ids.extend(['b'], 2001);

    ids.pruneFront(2000, Infinity);
    expect(ids.live('a', 2000)).toBe(false);
    expect(ids.size).toBe(1);
    expect(ids.live('b', 2000)).toBe(true);
  });

  it('when an entry learned late sits behind a live one, then it refuses nothing, and is forgotten once the one before it is', () => {
    const ids = inOneMap();
    ids.extend(['live'], 2000);
    ids.extend(['late'], 1100);

    ids.pruneFront(1500, Infinity);
    expect(ids.size).toBe(2);
    expect(ids.live('late', 1500)).toBe(false);
    expect(ids.size).toBe(1);

    ids.extend(['late again'], 1600);
    ids.pruneFront(2000, Infinity);
    expect(ids.size).toBe(0);
  });

  it('when an entry is extended to a later expiry, then it moves behind the entries added after it', () => {
    const ids = inOneMap();
    ids.extend(['again'], 2000);
    ids.extend(['once'], 2010);
    ids.extend(['again'], 2020);

    ids.pruneFront(2010, Infinity);
    expect(ids.size).toBe(1);
    expect(ids.live('again', 2010)).toBe(true);
  });

  it('when an entry is extended to an earlier expiry, then it keeps the later one', () => {
    const ids = inOneMap();
    ids.extend(['a'], 2000);
    ids.extend(['a'], 1500);

    expect(ids.live('a', 1999)).toBe(true);
  });

  it('when an entry expires more than the TTL after the prune, then it goes to the back instead of holding up the expired ones behind it', () => {
    const ids = inOneMap();
    ids.extend(['ahead'], 9000);
    ids.extend(['a', 'b'], 1900);

    expect(ids.pruneFront(2000, Infinity)).toBe(Infinity);
    expect(ids.size).toBe(1);
    expect(ids.live('ahead', 2000)).toBe(true);
  });

  it('when every entry is ahead of the clock, then a prune visits each once and ends', () => {
    const ids = inOneMap();
    ids.extend(['a', 'b', 'c'], 9000);

    expect(ids.pruneFront(1000, 100)).toBe(97);
    expect(ids.size).toBe(3);
  });

  it('when the budget runs out, then the next prune carries on where it stopped, with entries added and forgotten meanwhile', () => {
    const ids = inOneMap();
    ids.extend(['a', 'b', 'c', 'd'], 1000);
    ids.extend(['e'], 3000);

    expect(ids.pruneFront(2000, 2)).toBe(-1);
    expect(ids.size).toBe(3);
    ids.extend(['f'], 1500);
    expect(ids.live('d', 2000)).toBe(false);
    expect(ids.pruneFront(2000, 10)).toBe(8);
    expect(ids.size).toBe(2);
    expect(ids.live('e', 2000)).toBe(true);
  });

  it('when the live entry a prune stopped at was forgotten or moved since, then the next prune goes on past it', () => {
    const ids = inOneMap();
    ids.extend(['held'], 2500);
    ids.extend(['next'], 2600);
    ids.pruneFront(2000, Infinity);

    ids.extend(['held'], 4000);
    expect(ids.pruneFront(3000, Infinity)).toBe(Infinity);
    expect(ids.size).toBe(1);
    expect(ids.live('held', 3000)).toBe(true);
  });
});
