#!/usr/bin/env node
/**
 * Child process: the machine's bcrypt bound. Keeps every libuv thread busy with async
 * compares at the given cost for a while and prints `{ comparesPerSec }`.
 * Usage: UV_THREADPOOL_SIZE=<n> node bench/lib/bcrypt-bound.js <cost> <ms>
 */
const bcrypt = require('bcrypt');

async function main() {
  const cost = Number(process.argv[2] ?? 12);
  const ms = Number(process.argv[3] ?? 6000);
  const threads = Number(process.env.UV_THREADPOOL_SIZE ?? 4);
  const password = 'correct horse battery staple';
  const hash = await bcrypt.hash(password, cost);
  await bcrypt.compare(password, hash);
  let done = 0;
  const start = Date.now();
  const stopAt = start + ms;
  const worker = async () => {
    while (Date.now() < stopAt) {
      await bcrypt.compare(password, hash);
      done++;
    }
  };
  await Promise.all(Array.from({ length: threads * 2 }, worker));
  process.stdout.write(`${JSON.stringify({ cost, threads, compares: done, comparesPerSec: done / ((Date.now() - start) / 1000) })}\n`);
}

main().catch((error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
