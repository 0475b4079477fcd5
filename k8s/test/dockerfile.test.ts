import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { effective, effectiveEnv, parseDockerfile, readDockerfile, stageChain } from './dockerfile';
import { repoRoot } from './manifests';
import { deployedServices } from './service-catalog';

const stages = readDockerfile();

function packageJson(dir: string): { name: string; main: string } {
  return JSON.parse(readFileSync(join(repoRoot, dir, 'package.json'), 'utf8')) as { name: string; main: string };
}

function runs(stageName: string): string[] {
  return stageChain(stages, stageName).flatMap((s) => s.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args));
}

describe('Dockerfile', () => {
  it.each(deployedServices.map((s) => [s.name, s] as const))(
    'when the %s target is started, then tini is PID 1 and runs node on the package entry point, so SIGTERM works from the first instruction',
    (name, service) => {
      const entry = join(service.packageDir, packageJson(service.packageDir).main);
      expect(JSON.parse(effective(stages, name, 'CMD') ?? 'null')).toEqual(['node', entry]);
      expect(JSON.parse(effective(stages, name, 'ENTRYPOINT') ?? 'null')).toEqual(['/usr/bin/tini', '--']);
      expect(runs(name).join('\n')).toMatch(/apt-get install -y --no-install-recommends tini/);
    },
  );

  it.each(deployedServices.map((s) => [s.name, s] as const))(
    'when the %s target runs, then it is production, non-root, on its port and the management port, with a /healthz healthcheck on the latter',
    (name, service) => {
      expect(effectiveEnv(stages, name)).toMatchObject({ NODE_ENV: 'production', PORT: String(service.port), MANAGEMENT_PORT: '9090' });
      expect(effective(stages, name, 'USER')).toMatch(/^[1-9]\d*(:[1-9]\d*)?$/);
      expect(effective(stages, name, 'EXPOSE')).toBe(`${service.port} 9090`);
      const healthcheck = effective(stages, name, 'HEALTHCHECK') ?? '';
      expect(healthcheck).toContain("process.env.MANAGEMENT_PORT+'/healthz'");
      expect(healthcheck).toMatch(/CMD \["node", "-e"/);
    },
  );

  it.each(deployedServices.map((s) => [s.name, s] as const))(
    'when the %s target installs, then it installs only its workspace, production dependencies only, and compiles only its package',
    (name, service) => {
      const pkg = packageJson(service.packageDir).name;
      const install = runs(name).filter((r) => r.includes('npm ci'));
      expect(install).toEqual([expect.stringContaining(`npm ci --omit=dev -w ${pkg} --include-workspace-root=false`)]);
      const build = runs(`${name}-build`);
      expect(build).toEqual(
        expect.arrayContaining([expect.stringContaining(`npm ci -w ${pkg} `), expect.stringContaining(`npx tsc -b ${service.packageDir} `)]),
      );
      const copied = stageChain(stages, name)[0]!
        .instructions.filter((i) => i.keyword === 'COPY')
        .map((i) => i.args);
      expect(copied).toEqual([`--from=${name}-build /out/ ./`]);
    },
  );

  it('when the base image is chosen, then it is a slim (glibc) Node 24 image, and pinning it by digest is documented', () => {
    const text = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8');
    expect(text).toMatch(/^ARG NODE_IMAGE=node:24-bookworm-slim$/m);
    expect(text).toMatch(/--build-arg NODE_IMAGE=node:24-bookworm-slim@sha256:/);
    expect(stages[0]!.from).toBe('${NODE_IMAGE}');
  });

  it('when CI runs the tests on a second Node, then it is the major the image ships', () => {
    const imageMajor = /^ARG NODE_IMAGE=node:(\d+)-/m.exec(readFileSync(join(repoRoot, 'Dockerfile'), 'utf8'))?.[1];
    const ci = readFileSync(join(repoRoot, '.ci/run'), 'utf8');
    expect(/^image_node_major=(\d+)$/m.exec(ci)?.[1]).toBe(imageMajor);
    expect(ci).toContain('"node-linux-${arch}@${image_node_major}"');
    expect(ci).toMatch(/PATH="\$node_bin:\$PATH" npm test/);
  });

  it('when the parser reads stages, then a broken CMD or a missing target is visible', () => {
    const broken = parseDockerfile('FROM node:20 AS base\nENV A=1 \\\n  B=2\nFROM base AS auth\nCMD ["npm", "start"]\n');
    expect(broken.map((s) => s.name)).toEqual(['base', 'auth']);
    expect(effectiveEnv(broken, 'auth')).toEqual({ A: '1', B: '2' });
    expect(JSON.parse(effective(broken, 'auth', 'CMD')!)).not.toEqual(['node', 'services/auth/dist/main.js']);
    expect(broken.some((s) => s.name === 'gateway')).toBe(false);
  });

  it('when the build context is sent, then dependencies, build output, secrets, registry credentials, keys and results stay out', () => {
    const ignored = readFileSync(join(repoRoot, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim());
    expect(ignored).toEqual(
      expect.arrayContaining(['**/node_modules', '**/dist', '.git', '.env', '.env.*', '.npmrc', '**/.npmrc', '.dev-keys', 'bench/results', 'coverage']),
    );
    const keptManifests = stageChain(stages, 'manifests')[0]!
      .instructions.filter((i) => i.keyword === 'RUN')
      .map((i) => i.args)
      .join(' ');
    expect(keptManifests).not.toContain('.npmrc');
  });
});
