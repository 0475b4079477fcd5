/** The cookies a response sets, by name: what a benchmark client sends back. */
function jar(setCookies) {
  const values = {};
  for (const line of setCookies) {
    const [pair] = line.split(';');
    const i = pair.indexOf('=');
    values[pair.slice(0, i).trim()] = pair.slice(i + 1);
  }
  return values;
}

module.exports = { jar };
