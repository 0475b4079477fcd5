/**
 * bench/RESULTS.md holds the main table (rewritten by `npm run bench`) and sections the other
 * benches own (scale, soak, algorithms), each between `<!-- bench:<name>:begin -->` and
 * `<!-- bench:<name>:end -->`. A bench replaces only its own section.
 */
const { existsSync, readFileSync, writeFileSync } = require('node:fs');
const path = require('node:path');

const RESULTS = path.join(__dirname, '..', 'RESULTS.md');
const begin = (name) => `<!-- bench:${name}:begin -->`;
const end = (name) => `<!-- bench:${name}:end -->`;

/** Replaces (or appends) the section `name` of RESULTS.md with `markdown`. */
function writeSection(name, markdown, file = RESULTS) {
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '# Gatehouse benchmark results\n';
  const block = `${begin(name)}\n${markdown.trim()}\n${end(name)}`;
  const from = text.indexOf(begin(name));
  const to = text.indexOf(end(name));
  const next = from >= 0 && to > from ? `${text.slice(0, from)}${block}${text.slice(to + end(name).length)}` : `${text.trimEnd()}\n\n${block}\n`;
  writeFileSync(file, next);
}

/** Every owned section of a RESULTS.md text, in order: for a writer that rewrites the file to keep. */
function ownedSections(text) {
  return [...text.matchAll(/<!-- bench:([\w-]+):begin -->[\s\S]*?<!-- bench:\1:end -->/g)].map((m) => m[0]);
}

module.exports = { writeSection, ownedSections, RESULTS };
