/** Loads `.env` from the repository root into process.env, never over what the environment sets. */
const { existsSync } = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..', '..');

/** Returns the file it loaded, if any (process.loadEnvFile exists from Node 20.12). */
function loadDotEnv() {
  const file = path.join(root, '.env');
  if (!existsSync(file)) return undefined;
  if (typeof process.loadEnvFile !== 'function') {
    process.stderr.write(`${file} is not loaded: this Node (${process.version}) has no process.loadEnvFile; use Node >= 20.12.\n`);
    return undefined;
  }
  process.loadEnvFile(file);
  return file;
}

module.exports = { loadDotEnv, root };
