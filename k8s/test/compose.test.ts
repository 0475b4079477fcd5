import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import { infrastructureImages } from '../../libs/testing/src/images';
import { readDockerfile } from './dockerfile';
import { clone, readYaml, repoRoot } from './manifests';
import { deployedService, deployedServices, keysToProvide } from './service-catalog';

interface ComposeService {
  image?: string;
  build?: { context: string; target: string };
  environment?: Record<string, string | number | boolean>;
  ports?: string[];
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  secrets?: string[];
  stop_grace_period?: string;
  env_file?: (string | { path: string; required?: boolean })[];
  profiles?: string[];
}
interface ComposeFile {
  services: Record<string, ComposeService>;
  secrets?: Record<string, { file: string }>;
}

const compose = readYaml(join(repoRoot, 'docker-compose.yml')) as ComposeFile;
const infrastructure = ['postgres', 'redis', 'rabbitmq', 'mailpit'];

/** The compose-spec JSON schema (vendored: k8s/test/schemas/README.md), as `docker compose config` applies it. */
const validateCompose = (() => {
  const { $schema: _draft, ...schema } = JSON.parse(readFileSync(join(__dirname, 'schemas', 'compose-spec.json'), 'utf8')) as Record<string, unknown>;
  return new Ajv({ allErrors: true, strict: false }).compile(schema);
})();

function composeProblems(file: unknown): string[] {
  if (validateCompose(file)) return [];
  return (validateCompose.errors ?? []).map(
    (e) =>
      `${e.instancePath} ${e.message}${e.keyword === 'additionalProperties' ? ` (${(e.params as { additionalProperty: string }).additionalProperty})` : ''}`,
  );
}

/** Host address each published port binds, e.g. `{ mailpit: ['127.0.0.1'] }` (`*` for every interface). */
function bindAddresses(file: ComposeFile): Record<string, string[]> {
  return Object.fromEntries(
    Object.entries(file.services)
      .filter(([, s]) => (s.ports ?? []).length > 0)
      .map(([name, s]) => [name, (s.ports ?? []).map((p) => (String(p).split(':').length === 3 ? String(p).split(':')[0]! : '*'))]),
  );
}

function environment(name: string): Record<string, string> {
  return Object.fromEntries(Object.entries(compose.services[name]?.environment ?? {}).map(([k, v]) => [k, String(v)]));
}

/** Published host ports per service, e.g. `{ gateway: ['8080'] }`. */
function publishedPorts(file: ComposeFile): Record<string, string[]> {
  return Object.fromEntries(
    Object.entries(file.services)
      .filter(([, s]) => (s.ports ?? []).length > 0)
      .map(([name, s]) => [name, (s.ports ?? []).map((p) => String(p).split(':').slice(-2)[0]!)]),
  );
}

/** Infrastructure services whose image differs from the tag pinned for the test harness. */
function imageTagProblems(file: ComposeFile): string[] {
  return Object.entries(infrastructureImages)
    .filter(([name, image]) => file.services[name]?.image !== image)
    .map(([name, image]) => `${name}: ${file.services[name]?.image} is not ${image}`);
}

describe('docker-compose.yml', () => {
  it('when validated against the compose-spec schema, then it passes', () => {
    expect(composeProblems(compose)).toEqual([]);
  });

  it('when a key is misspelled or an env_file entry takes an unknown field, then the schema check names it', () => {
    const misspelled = clone(compose) as unknown as { services: Record<string, Record<string, unknown>> };
    misspelled.services.auth!.healthchek = misspelled.services.auth!.healthcheck;
    misspelled.services.user!.env_file = [{ path: '.env', requird: false }];
    const problems = composeProblems(misspelled);
    expect(problems).toEqual(expect.arrayContaining([expect.stringMatching(/^\/services\/auth .*\(healthchek\)/)]));
    expect(problems.some((p) => p.startsWith('/services/user/env_file'))).toBe(true);
  });

  it('when the mail, broker and tracing UIs are published, then only on loopback (the mail UI shows every token)', () => {
    expect(bindAddresses(compose)).toEqual({ gateway: ['*'], mailpit: ['127.0.0.1'], rabbitmq: ['127.0.0.1'], jaeger: ['127.0.0.1', '127.0.0.1'] });
  });

  it.each(deployedServices.map((s) => [s.name] as const))('when %s starts, then it reads .env when there is one, and starts without it', (name) => {
    expect(compose.services[name]!.env_file).toEqual([{ path: '.env', required: false }]);
  });

  it.each(['auth', 'user', 'notification'])('when %s starts in compose, then it creates and migrates its own database (there is no migrate Job)', (name) => {
    expect(environment(name)).toMatchObject({ MIGRATE_ON_BOOT: 'true', DATABASE_CREATE: 'true' });
  });

  it('when parsed, then it runs the infrastructure and the four Gatehouse services, and Jaeger only under the tracing profile', () => {
    const always = Object.entries(compose.services).filter(([, s]) => !s.profiles);
    expect(always.map(([name]) => name).sort()).toEqual([...infrastructure, ...deployedServices.map((s) => s.name)].sort());
    expect(
      Object.fromEntries(
        Object.entries(compose.services)
          .filter(([, s]) => s.profiles)
          .map(([name, s]) => [name, s.profiles]),
      ),
    ).toEqual({ jaeger: ['tracing'] });
  });

  it('when tracing is turned on as the header says, then the endpoint names the Jaeger service and its published OTLP/HTTP port, and nothing sets it otherwise', () => {
    const header = readFileSync(join(repoRoot, 'docker-compose.yml'), 'utf8');
    expect(header).toMatch(/^# +COMPOSE_PROFILES=tracing$/m);
    const endpoint = new URL(/^# +OTEL_EXPORTER_OTLP_ENDPOINT=(\S+)$/m.exec(header)![1]!);
    expect(endpoint.hostname).toBe('jaeger');
    expect(compose.services.jaeger!.ports).toContain(`127.0.0.1:${endpoint.port}:${endpoint.port}`);
    for (const { name } of deployedServices) expect(Object.keys(environment(name)).filter((k) => k.startsWith('OTEL_'))).toEqual([]);
  });

  it('when infrastructure images are compared with libs/testing/src/images.ts, then the tags are the same', () => {
    expect(imageTagProblems(compose)).toEqual([]);
  });

  it('when a compose image tag drifts from the pinned one, then the comparison reports it', () => {
    const drifted = clone(compose);
    drifted.services.redis!.image = 'redis:7-alpine';
    expect(imageTagProblems(drifted)).toEqual([expect.stringMatching(/^redis: redis:7-alpine is not redis:/)]);
  });

  it('when ports are published, then only the gateway, the mail UI, the broker UI and (tracing profile) Jaeger are', () => {
    expect(publishedPorts(compose)).toEqual({ gateway: ['8080'], mailpit: ['8025'], rabbitmq: ['15672'], jaeger: ['16686', '4318'] });
    const leaky = clone(compose);
    leaky.services.postgres!.ports = ['5432:5432'];
    expect(publishedPorts(leaky)).toHaveProperty('postgres', ['5432']);
  });

  it('when every service is checked, then each has a healthcheck', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      expect([name, service.healthcheck?.test?.[0]]).toEqual([name, expect.stringMatching(/^CMD(-SHELL)?$/)]);
    }
    for (const { name } of deployedServices) {
      expect(compose.services[name]!.healthcheck!.test.join(' ')).toContain("process.env.MANAGEMENT_PORT+'/healthz'");
      expect(environment(name).MANAGEMENT_PORT).toBe('9090');
    }
  });

  it('when services depend on others, then they wait for them to be healthy and every dependency has a healthcheck', () => {
    for (const service of Object.values(compose.services)) {
      for (const [dependency, { condition }] of Object.entries(service.depends_on ?? {})) {
        expect(condition).toBe('service_healthy');
        expect(compose.services[dependency]?.healthcheck).toBeDefined();
      }
    }
    const dependencies = (name: string) => Object.keys(compose.services[name]!.depends_on ?? {}).sort();
    expect(dependencies('auth')).toEqual(['postgres', 'rabbitmq', 'redis']);
    expect(dependencies('user')).toEqual(['auth', 'postgres', 'rabbitmq']);
    expect(dependencies('notification')).toEqual(['mailpit', 'postgres', 'rabbitmq']);
    expect(dependencies('gateway')).toEqual(['auth', 'user']);
  });

  it('when the Gatehouse services are built, then each uses its own Dockerfile target', () => {
    const targets = new Set(readDockerfile().map((s) => s.name));
    for (const { name } of deployedServices) {
      expect(compose.services[name]!.build).toEqual({ context: '.', target: name });
      expect(targets.has(name)).toBe(true);
    }
  });

  it.each(deployedServices.map((s) => [s.name] as const))('when %s is configured, then every variable it cannot default inside a container is set', (name) => {
    const env = environment(name);
    const missing = keysToProvide(deployedService(name), { localOrigins: true }).filter((key) => !env[key]);
    expect(missing).toEqual([]);
  });

  it.each(deployedServices.map((s) => [s.name, s] as const))(
    'when %s loads its compose environment with its real config loader, then it accepts it',
    (name, service) => {
      const env = environment(name);
      const config = service.load(env) as { NODE_ENV: string; PORT: number };
      expect(config).toMatchObject({ NODE_ENV: env.NODE_ENV, PORT: service.port });
    },
  );

  it('when auth runs in compose, then it signs with the generated dev key mounted as a secret, and only insecure cookies outside production', () => {
    const env = environment('auth');
    const [secret] = compose.services.auth!.secrets ?? [];
    expect(env.JWT_PRIVATE_KEY_FILE).toBe(`/run/secrets/${secret}`);
    expect(compose.secrets?.[secret!]?.file).toBe('./.dev-keys/jwt-signing-key.pem');
    expect(readFileSync(join(repoRoot, 'scripts/generate-dev-keys.sh'), 'utf8')).toContain('$dir/jwt-signing-key.pem');
    expect(env.COOKIE_SECURE).toBe('false');
    expect(env.NODE_ENV).not.toBe('production');
    expect(() => deployedService('auth').load({ ...env, NODE_ENV: 'production' })).toThrow(/COOKIE_SECURE/);
  });

  it.each(deployedServices.map((s) => [s.name] as const))(
    'when %s is stopped, then Compose waits longer than its shutdown deadline before killing it',
    (name) => {
      const grace = /^(\d+)s$/.exec(compose.services[name]!.stop_grace_period ?? '');
      expect(grace).not.toBeNull();
      expect(Number(grace![1]) * 1000).toBeGreaterThan(Number(environment(name).SHUTDOWN_TIMEOUT_MS));
    },
  );

  it('when auth and user sit behind the gateway, then they trust exactly one proxy hop and the gateway none', () => {
    expect(environment('auth').TRUST_PROXY_HOPS).toBe('1');
    expect(environment('user').TRUST_PROXY_HOPS).toBe('1');
    expect(environment('gateway').TRUST_PROXY_HOPS ?? '0').toBe('0');
  });

  it('when services reach each other, then they use compose service names, not loopback', () => {
    for (const { name } of deployedServices) {
      for (const [key, value] of Object.entries(environment(name))) expect([key, value]).not.toEqual([key, expect.stringMatching(/127\.0\.0\.1/)]);
    }
    expect(environment('gateway').AUTH_SERVICE_URL).toBe('http://auth:4001');
  });
});
