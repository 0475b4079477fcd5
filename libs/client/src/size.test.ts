import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { minify } from '@swc/core';

/** What a page pays for the SDK, minified and gzipped: the budget the README promises. */
const BUDGET_BYTES = 5 * 1024;
const dist = join(__dirname, '..', 'dist');
/** The SDK's modules import one another; a bundler would inline them, so these lines go. */
const LOCAL_IMPORT = /^(?:import|export)\s[^;]*\sfrom\s+'\.\/[^']+';$/gm;

/** The compiled modules as one module, as a bundler would ship them. */
function bundle(): string {
  return readdirSync(dist)
    .filter((file) => file.endsWith('.js'))
    .map((file) => readFileSync(join(dist, file), 'utf8').replace(LOCAL_IMPORT, ''))
    .join('\n');
}

describe('@gatehouse/client size', () => {
  it('when the compiled SDK is minified and gzipped, then it fits in 5 KB', async () => {
    if (!existsSync(join(dist, 'index.js'))) throw new Error(`${dist}/index.js is missing: run \`npx tsc -b\` first`);

    const { code } = await minify(bundle(), { module: true, compress: true, mangle: true, ecma: 2022 });
    const gzipped = gzipSync(code, { level: 9 }).length;

    process.stdout.write(`@gatehouse/client: ${code.length} B minified, ${gzipped} B gzipped (budget ${BUDGET_BYTES} B)\n`);
    expect(code).toContain('createGatehouseClient');
    expect(code).not.toMatch(/from\s*"\.\//);
    expect(gzipped).toBeLessThanOrEqual(BUDGET_BYTES);
  });
});
