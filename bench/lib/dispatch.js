/**
 * `npm run bench -- <name> [args…]` runs one of the benches that stand on their own instead of
 * bench/run.js's table: scale, soak, algorithms. The chosen script runs as a child with the
 * remaining arguments and this process takes its exit code.
 */
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const BENCHES = { scale: 'scale.js', soak: 'soak.js', algorithms: 'jwt-algorithms.js' };

/** Runs the bench `argv[2]` names and returns true; false when it names none (run.js goes on). */
function dispatched(argv) {
  const file = BENCHES[argv[2]];
  if (!file) return false;
  const result = spawnSync(process.execPath, [path.join(__dirname, '..', file), ...argv.slice(3)], { stdio: 'inherit' });
  process.exitCode = result.status ?? 1;
  return true;
}

module.exports = { dispatched, BENCHES };
