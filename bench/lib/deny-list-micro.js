#!/usr/bin/env node
/**
 * Child process (run with --expose-gc): the gateway's in-process deny list
 * (gateway/dist/revocation/deny-list.js) holding N revoked sessions. Prints
 * { revoked, heapBytes, bytesPerEntry, hitNs, missNs, pruneMs, expired } for each N given on the
 * command line. `pruneMs` is one prune with nothing expired; `expired` prunes all N once they
 * expired, in the feed's slices of PRUNE_SLICE entries, and reports the longest single call
 * (`maxPauseMs`: how long the event loop is held at once), the calls and their sum.
 * `--deny-list=<file>` measures another build of the module (e.g. an older one, to compare).
 */
const path = require('node:path');
const { randomUUID } = require('node:crypto');

const args = process.argv.slice(2);
const moduleArg = args.find((a) => a.startsWith('--deny-list='));
const modulePath = moduleArg ? path.resolve(moduleArg.slice('--deny-list='.length)) : '../../gateway/dist/revocation/deny-list';
const { createDenyList, PRUNE_SLICE } = require(modulePath);

const TTL_MS = 930_000;
const LOOKUPS = 1_000_000;
const BATCH = 100;

function heap() {
  global.gc();
  global.gc();
  return process.memoryUsage().heapUsed;
}

/** Ids as the gateway holds them: flat strings out of JSON.parse (event payloads, token claims). */
const uuids = (n) => JSON.parse(JSON.stringify(Array.from({ length: n }, () => randomUUID())));

/** CPU ns per `has` call, best of 5 rounds: the machine is shared, the least disturbed round is the cost. */
function nsPerLookup(list, pairs) {
  let found = 0;
  for (let i = 0; i < 100_000; i++) found += list.has(pairs[i % pairs.length][0], pairs[i % pairs.length][1]) ? 1 : 0;
  const rounds = [];
  for (let r = 0; r < 5; r++) {
    const start = process.cpuUsage();
    for (let i = 0; i < LOOKUPS; i++) found += list.has(pairs[i % pairs.length][0], pairs[i % pairs.length][1]) ? 1 : 0;
    const used = process.cpuUsage(start);
    rounds.push(((used.user + used.system) * 1000) / LOOKUPS);
  }
  return { ns: Math.min(...rounds), found };
}

/** Prunes until done, one slice per call as the revocation feed does (a build without slices prunes all in one call). */
function pruneExpired(list) {
  const pauses = [];
  let done = false;
  while (!done) {
    const t0 = process.hrtime.bigint();
    // An older build's prune() takes no limit and returns nothing: one call does everything.
    done = list.prune(PRUNE_SLICE) !== false;
    pauses.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return { slice: PRUNE_SLICE ?? null, maxPauseMs: Math.max(...pauses), calls: pauses.length, totalMs: pauses.reduce((a, b) => a + b, 0) };
}

function measure(revoked) {
  const before = heap();
  let offsetMs = 0;
  const list = createDenyList({ ttlMs: TTL_MS, now: () => Date.now() + offsetMs });
  const sessions = uuids(revoked);
  // As the revocation feed delivers them: session.revoked events of a few ids each.
  for (let i = 0; i < sessions.length; i += BATCH) list.revokeSessions(sessions.slice(i, i + BATCH));
  const idsHeap = heap();
  sessions.length = 0;
  const heapBytes = heap() - before;
  const probes = 4096;
  // Revoked ids looked up through distinct but equal strings, as a verified token's sid would be.
  const stored = uuids(probes);
  list.revokeSessions(stored);
  const again = JSON.parse(JSON.stringify(stored));
  const users = uuids(probes);
  const hits = again.map((sid, i) => [users[i], sid]);
  const misses = uuids(probes).map((sid, i) => [users[i], sid]);
  const hit = nsPerLookup(list, hits);
  const miss = nsPerLookup(list, misses);
  const t0 = process.hrtime.bigint();
  list.prune();
  const pruneMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const sizeAfter = list.size;
  offsetMs = TTL_MS;
  const expired = { ...pruneExpired(list), sizeAfter: list.size };
  return {
    revoked,
    heapBytes,
    bytesPerEntry: heapBytes / revoked,
    hitNs: hit.ns,
    missNs: miss.ns,
    pruneMs,
    sizeAfter,
    idsHeapBytes: idsHeap - before,
    expired,
  };
}

if (typeof global.gc !== 'function') throw new Error('run with node --expose-gc');
const sizes = args.filter((a) => !a.startsWith('--')).map(Number);
const out = sizes.map(measure);
process.stdout.write(`${JSON.stringify(out)}\n`);
