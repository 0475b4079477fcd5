import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { baseName, clone, loadBaseManifests, loadSecretTemplates, ofKind, overlayDir, type Manifest } from './manifests';
import { containerEnv, dataSources } from './pod-env';
import { connectionBudget, connectionDemand } from './connection-budget';
import { deployedService, deployedServices, keysToProvide, type DeployedService } from './service-catalog';

const base = loadBaseManifests();
const example = loadBaseManifests(overlayDir);
const templates = loadSecretTemplates();
const databaseServices = deployedServices.filter((s) => s.name !== 'gateway');

function podSpec(manifests: readonly Manifest[], name: string) {
  const deployment = ofKind<IDeployment>(manifests, 'Deployment').find((d) => d.metadata?.name === name);
  if (!deployment) throw new Error(`no Deployment ${name}`);
  return deployment.spec!.template.spec!;
}

/** The environment a service's container gets from the rendered manifests plus the Secret templates. */
function envOf(service: DeployedService, manifests: readonly Manifest[] = base) {
  return containerEnv(podSpec(manifests, service.name).containers[0]!, dataSources([...manifests, ...templates]));
}

function missingKeys(service: DeployedService, manifests: readonly Manifest[] = base): string[] {
  const { env } = envOf(service, manifests);
  return keysToProvide(service, { localOrigins: false }).filter((key) => env[key] === undefined || env[key] === '');
}

function configMapNamed(manifests: readonly Manifest[], name: string): IConfigMap {
  const found = ofKind<IConfigMap>(manifests, 'ConfigMap').filter((c) => baseName(c.metadata!.name!) === name);
  if (found.length !== 1) throw new Error(`expected one ConfigMap generated as ${name}, found ${found.length}`);
  return found[0]!;
}

describe('configuration in Kubernetes', () => {
  it.each(deployedServices.map((s) => [s.name, s] as const))('when %s starts, then every ConfigMap and Secret it refers to exists', (_name, service) => {
    expect(envOf(service).problems).toEqual([]);
  });

  it.each(deployedServices.map((s) => [s.name, s] as const))(
    'when %s starts, then every variable without a safe production default is provided',
    (_name, service) => {
      const expected = service.name === 'gateway' ? ['AMQP_URL', 'AUTH_SERVICE_URL', 'USER_SERVICE_URL'] : ['AMQP_URL', 'DATABASE_URL'];
      expect(keysToProvide(service, { localOrigins: false })).toEqual(expect.arrayContaining(['NODE_ENV', ...expected]));
      expect(missingKeys(service)).toEqual([]);
    },
  );

  it('when auth is deployed, then the keys production constrains (signing key, session secret, secure cookies, bcrypt cost) are among those checked', () => {
    const service = deployedService('auth');
    expect(keysToProvide(service, { localOrigins: false })).toEqual(
      expect.arrayContaining([
        'JWT_PRIVATE_KEY_FILE',
        'SESSION_SECRET',
        'MFA_ENCRYPTION_KEY',
        'WEBAUTHN_RP_ID',
        'WEBAUTHN_ORIGINS',
        'COOKIE_SECURE',
        'BCRYPT_COST',
        'DATABASE_URL',
        'REDIS_URL',
        'CORS_ORIGINS',
      ]),
    );
    const production = {
      NODE_ENV: 'production',
      JWT_PRIVATE_KEY_FILE: '/k.pem',
      SESSION_SECRET: 'a session secret of at least 32 characters',
      MFA_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
      JWT_ISSUER: 'https://api.example.com',
      WEBAUTHN_RP_ID: 'app.example.com',
      WEBAUTHN_ORIGINS: 'https://app.example.com',
    };
    expect(() => service.load(production)).not.toThrow();
    expect(() => service.load({ ...production, JWT_ISSUER: 'gatehouse' })).toThrow(/JWT_ISSUER/);
    expect(() => service.load({ ...production, JWT_ISSUER: 'http://api.example.com' })).toThrow(/JWT_ISSUER/);
    expect(() => service.load({ NODE_ENV: 'production' })).toThrow(/JWT_PRIVATE_KEY_FILE/);
    expect(() => service.load({ ...production, SESSION_SECRET: undefined })).toThrow(/SESSION_SECRET/);
    expect(() => service.load({ ...production, MFA_ENCRYPTION_KEY: undefined })).toThrow(/MFA_ENCRYPTION_KEY/);
    expect(() => service.load({ ...production, WEBAUTHN_RP_ID: undefined })).toThrow(/WEBAUTHN_RP_ID/);
    expect(() => service.load({ ...production, WEBAUTHN_ORIGINS: undefined })).toThrow(/WEBAUTHN_ORIGINS/);
    expect(() => service.load({ ...production, COOKIE_SECURE: 'false' })).toThrow(/COOKIE_SECURE/);
    expect(() => service.load({ ...production, BCRYPT_COST: '4' })).toThrow(/BCRYPT_COST/);
  });

  it('when a required variable disappears from its Secret, then the check reports it missing', () => {
    const withoutDatabase = templates.map((m) => {
      if (m.object.metadata.name !== 'gatehouse-user') return m;
      const object = clone(m.object) as Manifest['object'] & { stringData: Record<string, string> };
      delete object.stringData.DATABASE_URL;
      return { ...m, object };
    });
    const service = deployedService('user');
    const { env } = containerEnv(podSpec(base, 'user').containers[0]!, dataSources([...base, ...withoutDatabase]));
    expect(keysToProvide(service, { localOrigins: false }).filter((k) => env[k] === undefined)).toEqual(['DATABASE_URL']);
  });

  it('when a container refers to a ConfigMap that does not exist, then the check reports it', () => {
    const renamed = base.map((m) =>
      m.object.kind === 'ConfigMap' && baseName(m.object.metadata.name) === 'gatehouse-auth'
        ? { ...m, object: { ...m.object, metadata: { name: 'other' } } }
        : m,
    );
    expect(envOf(deployedService('auth'), renamed).problems).toEqual([expect.stringMatching(/ConfigMap\/gatehouse-auth-\w+ does not exist/)]);
  });

  it.each(deployedServices.map((s) => [s.name, s] as const))(
    'when %s loads the manifest environment with its real config loader, then it accepts it as production, with the management port its container opens',
    (_name, service) => {
      const { env } = envOf(service);
      expect(env.NODE_ENV).toBe('production');
      const config = service.load(env) as { NODE_ENV: string; PORT: number; MANAGEMENT_PORT: number };
      expect(config).toMatchObject({ NODE_ENV: 'production', PORT: service.port });
      const management = podSpec(base, service.name).containers[0]!.ports!.find((p) => p.name === 'management');
      expect(config.MANAGEMENT_PORT).toBe(management?.containerPort);
      expect(config.MANAGEMENT_PORT).not.toBe(config.PORT);
    },
  );

  it.each(databaseServices.map((s) => [s.name, s] as const))(
    'when %s starts in the cluster, then it neither creates its database nor migrates it (the migrate Job does, with its own role)',
    (_name, service) => {
      const { env } = envOf(service);
      expect([env.MIGRATE_ON_BOOT, env.DATABASE_CREATE]).toEqual(['false', 'false']);
      expect(service.load(env)).toMatchObject({ MIGRATE_ON_BOOT: false, DATABASE_CREATE: false });
    },
  );

  it.each(databaseServices.map((s) => [s.name, s] as const))(
    'when %s connects to PostgreSQL, then TLS verifies the server (verify-full) against the CA bundle mounted from gatehouse-postgres-ca',
    (_name, service) => {
      const url = new URL(envOf(service).env.DATABASE_URL!);
      expect(url.searchParams.get('sslmode')).toBe('verify-full');
      const caFile = url.searchParams.get('sslrootcert') ?? '';
      const pod = podSpec(base, service.name);
      const mount = pod.containers[0]!.volumeMounts!.find((m) => caFile.startsWith(`${m.mountPath}/`));
      const volume = pod.volumes!.find((v) => v.name === mount?.name);
      expect(volume?.configMap?.name).toBe('gatehouse-postgres-ca');
      const bundle = templates.find((t) => t.object.kind === 'ConfigMap' && t.object.metadata.name === 'gatehouse-postgres-ca')?.object as
        IConfigMap | undefined;
      expect(Object.keys(bundle?.data ?? {})).toContain(caFile.slice(`${mount!.mountPath}/`.length));
    },
  );

  it('when auth is configured, then it signs with the key mounted from the signing-key Secret, with secure cookies and bcrypt cost >= 10', () => {
    const service = deployedService('auth');
    const config = service.load(envOf(service).env) as { JWT_PRIVATE_KEY_FILE: string; COOKIE_SECURE: boolean; BCRYPT_COST: number };
    expect(config.COOKIE_SECURE).toBe(true);
    expect(config.BCRYPT_COST).toBeGreaterThanOrEqual(10);
    const pod = podSpec(base, 'auth');
    const mount = pod.containers[0]!.volumeMounts!.find((m) => config.JWT_PRIVATE_KEY_FILE.startsWith(`${m.mountPath}/`));
    const volume = pod.volumes!.find((v) => v.name === mount?.name);
    const keyName = config.JWT_PRIVATE_KEY_FILE.slice(`${mount?.mountPath}/`.length);
    const secret = templates.find((t) => t.object.metadata.name === volume?.secret?.secretName)?.object as { stringData?: Record<string, string> } | undefined;
    expect(mount?.readOnly).toBe(true);
    expect(Object.keys(secret?.stringData ?? {})).toContain(keyName);
  });

  it('when auth loads the manifest environment without its signing key, then its real loader refuses production', () => {
    const service = deployedService('auth');
    const { JWT_PRIVATE_KEY_FILE: _dropped, ...env } = envOf(service).env;
    expect(() => service.load(env)).toThrow(/JWT_PRIVATE_KEY_FILE/);
  });

  it('when services sit behind the ingress controller (and auth and user behind the gateway too), then proxy hops are counted to match', () => {
    const hops = (name: string) => (deployedService(name).load(envOf(deployedService(name)).env) as { TRUST_PROXY_HOPS: number }).TRUST_PROXY_HOPS;
    expect(hops('gateway')).toBe(1);
    expect(hops('auth')).toBe(2);
    expect(hops('user')).toBe(2);
  });

  it('when services use PostgreSQL, then each has its own database', () => {
    for (const { name } of databaseServices) {
      expect(new URL(envOf(deployedService(name)).env.DATABASE_URL!).pathname).toBe(`/gatehouse_${name}`);
    }
  });

  it('when the gateway and user verify tokens, then they fetch the JWKS from the auth Service', () => {
    for (const name of ['gateway', 'user']) {
      expect(envOf(deployedService(name)).env.JWKS_URL).toBe('http://auth:4001/.well-known/jwks.json');
    }
  });

  it.each(deployedServices.map((s) => [s.name, s] as const))(
    'when %s is terminated, then the grace period covers the preStop sleep plus its shutdown deadline',
    (_name, service) => {
      const pod = podSpec(base, service.name);
      const shutdownMs = Number(envOf(service).env.SHUTDOWN_TIMEOUT_MS);
      const preStopSeconds = Number(pod.containers[0]!.lifecycle!.preStop!.exec!.command![1]);
      expect(shutdownMs).toBeGreaterThan(0);
      expect(pod.terminationGracePeriodSeconds! * 1000).toBeGreaterThan(preStopSeconds * 1000 + shutdownMs);
    },
  );

  it('when every pool is full at every HPA maximum plus a surge pod, with the migrate Jobs running, then the PostgreSQL connections stay within the documented budget', () => {
    const demand = connectionDemand(base, (name, env) => (deployedService(name).load(env) as { DATABASE_POOL_SIZE: number }).DATABASE_POOL_SIZE, templates);
    expect(demand.map((d) => d.workload).sort()).toEqual(['auth', 'auth-migrate', 'notification', 'notification-migrate', 'user', 'user-migrate']);
    expect(demand.reduce((sum, d) => sum + d.connections, 0)).toBeLessThanOrEqual(connectionBudget(base));
    expect(connectionBudget(base)).toBe(150);
  });

  it('when an HPA maximum is raised past what the budget allows, then the sum exceeds it', () => {
    const raised = base.map((m) => {
      if (m.object.kind !== 'HorizontalPodAutoscaler' || m.object.metadata.name !== 'auth') return m;
      const object = clone(m.object) as Manifest['object'] & { spec: { maxReplicas: number } };
      object.spec.maxReplicas = 30;
      return { ...m, object };
    });
    const demand = connectionDemand(raised, (name, env) => (deployedService(name).load(env) as { DATABASE_POOL_SIZE: number }).DATABASE_POOL_SIZE, templates);
    expect(demand.reduce((sum, d) => sum + d.connections, 0)).toBeGreaterThan(connectionBudget(raised));
  });

  it('when ConfigMaps are generated, then each name carries its content hash and the pods refer to that name', () => {
    for (const name of ['gatehouse-common', 'gatehouse-gateway', 'gatehouse-auth', 'gatehouse-user', 'gatehouse-notification']) {
      expect(configMapNamed(base, name).metadata!.name).toMatch(new RegExp(`^${name}-[a-z0-9]{10}$`));
    }
    expect(envOf(deployedService('auth')).problems).toEqual([]);
  });

  it('when an overlay changes a setting, then that ConfigMap gets a new name and the pods reading it roll, while unchanged ones keep theirs', () => {
    const references = (manifests: readonly Manifest[], service: string) =>
      podSpec(manifests, service).containers[0]!.envFrom!.flatMap((f) => (f.configMapRef ? [f.configMapRef.name] : []));
    expect(configMapNamed(example, 'gatehouse-auth').metadata!.name).not.toBe(configMapNamed(base, 'gatehouse-auth').metadata!.name);
    expect(configMapNamed(example, 'gatehouse-user').metadata!.name).toBe(configMapNamed(base, 'gatehouse-user').metadata!.name);
    expect(references(example, 'auth')).toContain(configMapNamed(example, 'gatehouse-auth').metadata!.name);
    expect(references(example, 'auth')).not.toEqual(references(base, 'auth'));
  });
});
