/** The results table (stdout and bench/RESULTS.md) and the raw JSON under bench/results/. */
const { existsSync, mkdirSync, readFileSync, writeFileSync } = require('node:fs');
const path = require('node:path');
const { ownedSections } = require('./results-section');

const COLUMNS = ['id', 'what', 'absolute (medians)', 'ratio', 'target', 'verdict'];

function table(rows) {
  const cells = rows.map((r) => [r.id, r.what, r.absolute, r.ratio ?? '—', r.target ?? '—', r.verdict ?? '—']);
  const widths = COLUMNS.map((c, i) => Math.max(c.length, ...cells.map((row) => String(row[i]).length)));
  const line = (row) => `| ${row.map((v, i) => String(v).padEnd(widths[i])).join(' | ')} |`;
  return [line(COLUMNS), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.map(line)].join('\n');
}

function writeOutputs({ benchDir, stamp, machine, rows, notes, raw, command, wallSeconds }) {
  const resultsDir = path.join(benchDir, 'results');
  mkdirSync(resultsDir, { recursive: true });
  const jsonFile = path.join(resultsDir, `${stamp}.json`);
  writeFileSync(jsonFile, `${JSON.stringify({ date: new Date().toISOString(), machine, wallSeconds, rows, notes, raw }, null, 2)}\n`);
  const md = [
    '# Gatehouse benchmark results',
    '',
    `Date: ${new Date().toISOString()}  `,
    `Machine: nproc=${machine.nproc}, CPU: ${machine.cpuModel}, Node ${machine.node}  `,
    `Command: \`${command}\` (wall time ${wallSeconds.toFixed(0)} s)`,
    '',
    'Every figure is the median of 3 interleaved repetitions after a warm-up; every ratio is taken',
    'between figures measured in the same run (median of the per-repetition ratios). The load',
    'generators (autocannon CLI, bench/lib/*.js children) run in their own processes on the same',
    '2-core machine as the services, so absolute numbers are a floor, ratios are the signal.',
    '',
    table(rows),
    '',
    ...notes.map((n) => `- ${n}`),
    '',
  ].join('\n');
  // The main table is rewritten; the sections other benches own (scale, soak, algorithms …) are kept.
  const file = path.join(benchDir, 'RESULTS.md');
  const kept = existsSync(file) ? ownedSections(readFileSync(file, 'utf8')) : [];
  writeFileSync(file, kept.length ? `${md}\n${kept.join('\n\n')}\n` : md);
  return jsonFile;
}

module.exports = { table, writeOutputs };
