import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const FIXTURE = join(__dirname, '..', 'test', 'run-service-fixture.js');

interface Started {
  readonly child: ChildProcess;
  readonly output: () => string;
}

/** Spawns the fixture (built on `dist/`, so run `tsc -b` first) and waits for `marker` in its output. */
async function start(mode: 'hang' | 'serve', marker: RegExp): Promise<Started> {
  const child = spawn(process.execPath, [FIXTURE, mode], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout!.on('data', (chunk: Buffer) => (log += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const deadline = Date.now() + 10_000;
  while (!marker.test(log)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`fixture did not print ${marker}:\n${log}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return { child, output: () => log };
}

/** Sends SIGTERM and resolves with the exit code and how long the exit took. */
function terminate(child: ChildProcess): Promise<{ code: number | null; ms: number }> {
  const sent = Date.now();
  return new Promise((resolve) => {
    child.once('exit', (code) => resolve({ code, ms: Date.now() - sent }));
    child.kill('SIGTERM');
  });
}

describe('runService', () => {
  it('when SIGTERM arrives while the service is still building, then it exits 143 at once', async () => {
    const { child, output } = await start('hang', /building/);

    const { code, ms } = await terminate(child);

    expect(code).toBe(143);
    expect(ms).toBeLessThan(2000);
    expect(output()).toContain('fixture received SIGTERM while starting; exiting');
  });

  it('when it serves, then only the management port answers the probes and metrics, and SIGTERM drains to exit 0', async () => {
    const { child, output } = await start('serve', /fixture listening/);
    const { port, managementPort } = JSON.parse(
      output()
        .split('\n')
        .find((line) => line.includes('fixture listening'))!,
    ) as Record<string, number>;
    const api = `http://127.0.0.1:${port}`;
    const management = `http://127.0.0.1:${managementPort}`;

    expect(managementPort).not.toBe(port);
    expect((await fetch(`${api}/api/hello`)).status).toBe(200);
    for (const path of ['/healthz', '/readyz', '/metrics']) expect((await fetch(`${api}${path}`)).status).toBe(404);
    expect((await fetch(`${management}/readyz`)).status).toBe(200);
    expect(await (await fetch(`${management}/metrics`)).text()).toMatch(/^gatehouse_broker_connected\{[^}]*\} 0$/m);

    const { code } = await terminate(child);

    expect(code).toBe(0);
    expect(output()).toContain('shut down cleanly');
  });
});
