/**
 * PostgreSQL COPY … FROM STDIN through the machine's `psql`, fed from a generator of rows: the
 * fastest way in for a million rows without another npm dependency (pg has no COPY of its own).
 */
const { spawn } = require('node:child_process');

const CHUNK_ROWS = 5000;

/** COPY text format: tab-separated, `\N` for NULL; backslash, tab and newlines escaped. */
function field(value) {
  if (value === null || value === undefined) return '\\N';
  return String(value).replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}

/**
 * Streams `rows` (an iterable of arrays, in `columns` order) into `table`; resolves with the
 * number of rows once psql reports the COPY done.
 */
function copyRows(databaseUrl, table, columns, rows) {
  return new Promise((resolve, reject) => {
    const psql = spawn('psql', [databaseUrl, '-v', 'ON_ERROR_STOP=1', '-q', '-c', `COPY ${table} (${columns.join(', ')}) FROM STDIN`], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let err = '';
    let count = 0;
    psql.stderr.on('data', (d) => (err += d));
    psql.on('error', reject);
    psql.on('exit', (code) => (code === 0 ? resolve(count) : reject(new Error(`COPY ${table} failed (${code}): ${err.slice(-2000)}`))));
    const iterator = rows[Symbol.iterator]();
    const pump = () => {
      for (;;) {
        const lines = [];
        for (let i = 0; i < CHUNK_ROWS; i++) {
          const next = iterator.next();
          if (next.done) break;
          lines.push(next.value.map(field).join('\t'));
        }
        count += lines.length;
        if (lines.length === 0) {
          psql.stdin.end();
          return;
        }
        if (!psql.stdin.write(`${lines.join('\n')}\n`)) {
          psql.stdin.once('drain', pump);
          return;
        }
      }
    };
    pump();
  });
}

module.exports = { copyRows };
