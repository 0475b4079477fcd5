import { createLogger } from '@gatehouse/logger';
import { captureLogs, eventually } from '@gatehouse/testing';
import { createDenyList } from './deny-list';
import { createRevocationCatchUp } from './revocation-catch-up';
import type { FetchRecentRevocations, RecentRevocations } from './recent-revocations.client';

const NOTHING: RecentRevocations = { sessions: [], users: [], clients: [] };

/** A revocation log that answers with what the test queued, one answer per call, and remembers each call's signal. */
function scriptedLog(answers: Array<() => Promise<RecentRevocations>>) {
  const signals: AbortSignal[] = [];
  const fetchRecent: FetchRecentRevocations = (signal) => {
    signals.push(signal);
    const next = answers.shift();
    return next ? next() : Promise.resolve(NOTHING);
  };
  return { fetchRecent, signals };
}

function setUp(fetchRecent: FetchRecentRevocations, now = () => 1_000_000) {
  const logs = captureLogs();
  const denyList = createDenyList({ ttlMs: 960_000, now });
  const catchUp = createRevocationCatchUp({
    fetchRecent,
    denyList,
    logger: createLogger({ service: 'catch-up-test', level: 'debug', destination: logs.stream }),
    retryBaseDelayMs: 5,
    retryMaxDelayMs: 20,
  });
  return { catchUp, denyList, logs };
}

const failing = (message: string) => () => Promise.reject(new Error(message));
const answering = (recent: RecentRevocations) => () => Promise.resolve(recent);

describe('revocation catch-up', () => {
  it('when auth answers, then every listed session, user and client is refused until its revocation time plus the TTL', async () => {
    const at = 1_000_000 - 900_000;
    let clock = 1_000_000;
    const log = scriptedLog([answering({ sessions: [{ id: 's1', at }], users: [{ id: 'u1', at }], clients: [{ id: 'svc_1', at }] })]);
    const { catchUp, denyList } = setUp(log.fetchRecent, () => clock);
    expect(catchUp.synced()).toBe(false);

    catchUp.run();

    expect(await eventually(() => catchUp.synced(), 1000)).toBe(true);
    expect(denyList.has('x', 's1')).toBe(true);
    expect(denyList.has('u1', 'x')).toBe(true);
    expect(denyList.hasClient('svc_1')).toBe(true);
    clock = at + 960_000;
    expect(denyList.has('u1', 's1')).toBe(false);
    expect(denyList.hasClient('svc_1')).toBe(false);
  });

  it('when fetches fail, then it retries with a doubling, capped delay, logs each failure at warn, and is synced once one succeeds', async () => {
    const log = scriptedLog([failing('one'), failing('two'), failing('three'), failing('four'), answering(NOTHING)]);
    const { catchUp, logs } = setUp(log.fetchRecent);

    catchUp.run();

    expect(await eventually(() => catchUp.synced(), 2000)).toBe(true);
    const failures = logs.lines().filter((l) => l.msg === 'revocation catch-up failed, retrying');
    expect(failures.map((l) => [l.level, l.attempt, l.delayMs])).toEqual([
      ['warn', 1, 5],
      ['warn', 2, 10],
      ['warn', 3, 20],
      ['warn', 4, 20],
    ]);
    expect(logs.lines()).toContainEqual(expect.objectContaining({ level: 'info', msg: 'revocations caught up', attempt: 5 }));
  });

  it('when a new run starts while a fetch is in flight, then that fetch is aborted and only the new run’s answer counts', async () => {
    let answerFirst: (recent: RecentRevocations) => void = () => undefined;
    const first = new Promise<RecentRevocations>((resolve) => (answerFirst = resolve));
    const log = scriptedLog([() => first, answering({ ...NOTHING, sessions: [{ id: 's2', at: 1_000_000 }] })]);
    const { catchUp, denyList } = setUp(log.fetchRecent);

    catchUp.run();
    catchUp.run();
    answerFirst({ ...NOTHING, sessions: [{ id: 's1', at: 1_000_000 }] });

    expect(await eventually(() => catchUp.synced(), 1000)).toBe(true);
    expect(log.signals[0]!.aborted).toBe(true);
    expect(log.signals[1]!.aborted).toBe(false);
    expect(denyList.has('x', 's2')).toBe(true);
    expect(denyList.has('x', 's1')).toBe(false);
  });

  it('when stopped while retrying, then no further fetch is made', async () => {
    const log = scriptedLog([failing('down'), failing('down'), failing('down')]);
    const { catchUp, logs } = setUp(log.fetchRecent);
    catchUp.run();
    expect(await eventually(() => logs.lines().some((l) => l.msg === 'revocation catch-up failed, retrying'), 1000)).toBe(true);

    catchUp.stop();
    const calls = log.signals.length;
    await new Promise((resolve) => setTimeout(resolve, 50));

    expect(log.signals.length).toBe(calls);
    expect(catchUp.synced()).toBe(false);
  });

  it('once synced, a later run that keeps failing leaves it synced: a reconnected gateway stays ready', async () => {
    const log = scriptedLog([answering(NOTHING), failing('down'), failing('down')]);
    const { catchUp, logs } = setUp(log.fetchRecent);
    catchUp.run();
    expect(await eventually(() => catchUp.synced(), 1000)).toBe(true);

    catchUp.run();

    expect(await eventually(() => logs.lines().some((l) => l.msg === 'revocation catch-up failed, retrying'), 1000)).toBe(true);
    expect(catchUp.synced()).toBe(true);
    catchUp.stop();
  });
});
