/** What Linux /proc says about a process: CPU seconds used and resident memory. NaN elsewhere. */
const { readFileSync } = require('node:fs');

const TICKS_PER_SECOND = 100;

/** User + system CPU seconds a process has used so far. */
function cpuSeconds(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return NaN;
  }
}

/** Resident set size in MiB (VmRSS). */
function rssMiB(pid) {
  try {
    const match = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB$/m);
    return match ? Number(match[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

module.exports = { cpuSeconds, rssMiB };
