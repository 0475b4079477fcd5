import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IJob } from 'kubernetes-models/batch/v1/Job';
import type { IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import type { IIngress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import type { IService } from 'kubernetes-models/v1/Service';
import type { IServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { readDockerfile } from './dockerfile';
import { clone, loadBaseManifests, ofKind, overlayDir, readKustomization, render, repoRoot, type K8sObject, type Manifest } from './manifests';
import { deployedServices } from './service-catalog';
import { ingressBackends, ingressRoutes, labelProblems, probeProblems, scalingProblems, servedHealthPaths, serviceProblems } from './workload-checks';

const manifests = loadBaseManifests();
const deployments = ofKind<IDeployment>(manifests, 'Deployment');
const jobs = ofKind<IJob>(manifests, 'Job');
const podSpecs = [...deployments, ...jobs].map((w) => [w.metadata!.name!, w.spec!.template.spec!] as const);

function deployment(name: string): IDeployment {
  const found = deployments.find((d) => d.metadata?.name === name);
  if (!found) throw new Error(`no Deployment ${name}`);
  return found;
}

function container(name: string) {
  return deployment(name).spec!.template.spec!.containers[0]!;
}

/** A copy of the manifests with one object changed, to prove a check notices. */
function mutated(kind: string, name: string, change: (object: never) => void): Manifest[] {
  return manifests.map((m) => {
    if (m.object.kind !== kind || m.object.metadata.name !== name) return m;
    const object = clone(m.object);
    change(object as never);
    return { ...m, object };
  });
}

describe('workloads', () => {
  it('when the base is read, then every Gatehouse process has one Deployment whose Service publishes its API port and its management port', () => {
    for (const service of deployedServices) {
      expect(container(service.name).ports).toEqual([
        expect.objectContaining({ containerPort: service.port, name: 'http' }),
        expect.objectContaining({ containerPort: 9090, name: 'management' }),
      ]);
      const services = ofKind<IService>(manifests, 'Service').filter((s) => s.metadata?.name === service.name);
      expect(services.map((s) => s.spec?.ports?.map((p) => `${p.name}:${p.port}`))).toEqual([[`http:${service.port}`, 'management:9090']]);
    }
    expect(deployments).toHaveLength(deployedServices.length);
  });

  it('when Services are matched to Deployments, then every selector finds pods and every targetPort is a container port', () => {
    expect(serviceProblems(manifests)).toEqual([]);
  });

  it('when a Service selector or targetPort is wrong, then the check reports it', () => {
    const badSelector = mutated('Service', 'auth', (s: IService) => (s.spec!.selector = { 'app.kubernetes.io/name': 'auht' }));
    const badPort = mutated('Service', 'user', (s: IService) => (s.spec!.ports![0]!.targetPort = 'metrics'));
    expect(serviceProblems(badSelector)).toEqual([expect.stringMatching(/auth: selector matches no Deployment/)]);
    expect(serviceProblems(badPort)).toEqual([expect.stringMatching(/user: targetPort metrics/)]);
  });

  it('when the probe paths are looked up, then libs/http serves them from the management app, and every service reads MANAGEMENT_PORT (default 9090)', () => {
    const health = readFileSync(join(repoRoot, 'libs/http/src/health.ts'), 'utf8');
    for (const path of servedHealthPaths) expect(health).toContain(`router.get('${path}'`);
    expect(readFileSync(join(repoRoot, 'libs/http/src/management-app.ts'), 'utf8')).toMatch(/healthRoutes\(/);
    for (const service of deployedServices) {
      const keys = service.schema.describe().keys as Record<string, { flags?: { default?: unknown } }>;
      expect([service.name, String(keys.MANAGEMENT_PORT?.flags?.default)]).toEqual([service.name, '9090']);
    }
  });

  it('when probes are read, then startup and liveness use /healthz and readiness uses /readyz, all on the management port', () => {
    expect(probeProblems(manifests)).toEqual([]);
  });

  it('when a probe asks for a path the service does not serve, or is sent to the API port, then the check reports it', () => {
    const broken = mutated('Deployment', 'gateway', (d: IDeployment) => (d.spec!.template.spec!.containers[0]!.readinessProbe!.httpGet!.path = '/health'));
    const onApiPort = mutated('Deployment', 'auth', (d: IDeployment) => (d.spec!.template.spec!.containers[0]!.livenessProbe!.httpGet!.port = 'http'));
    expect(probeProblems(broken)).toEqual([expect.stringMatching(/gateway\/gateway readinessProbe: \/health is not served/)]);
    expect(probeProblems(onApiPort)).toEqual([expect.stringMatching(/auth\/auth livenessProbe: .*management port/)]);
  });

  it.each(podSpecs)(
    'when %s runs, then it is non-root with a read-only root, no privilege escalation, no capabilities and the runtime seccomp profile',
    (_name, pod) => {
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
      expect(pod.securityContext?.runAsUser).toBeGreaterThan(0);
      for (const c of pod.containers) {
        expect(c.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
        expect(c.volumeMounts).toContainEqual(expect.objectContaining({ name: 'tmp', mountPath: '/tmp' }));
        const volumes = new Set((pod.volumes ?? []).map((v) => v.name));
        for (const mount of c.volumeMounts ?? []) expect(volumes.has(mount.name)).toBe(true);
      }
      expect(pod.volumes).toContainEqual(expect.objectContaining({ name: 'tmp', emptyDir: expect.any(Object) }));
    },
  );

  it.each(podSpecs)('when %s starts, then it runs as its own ServiceAccount without an API token, and without service-link variables', (_name, pod) => {
    const accounts = ofKind<IServiceAccount>(manifests, 'ServiceAccount');
    const account = accounts.find((a) => a.metadata?.name === pod.serviceAccountName);
    expect(account?.automountServiceAccountToken).toBe(false);
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.enableServiceLinks).toBe(false);
  });

  it('when ServiceAccounts are handed out, then each Deployment has its own and the migrate Jobs share one', () => {
    const accounts = deployments.map((d) => d.spec!.template.spec!.serviceAccountName);
    expect(new Set(accounts).size).toBe(deployments.length);
    expect(new Set(jobs.map((j) => j.spec!.template.spec!.serviceAccountName))).toEqual(new Set(['migrate']));
    expect(accounts).not.toContain('migrate');
  });

  it.each(deployments.map((d) => [d.metadata!.name!, d] as const))(
    'when %s is scheduled, then its replicas spread across zones and then nodes, counting only the current ReplicaSet',
    (name, d) => {
      const constraints = d.spec!.template.spec!.topologySpreadConstraints ?? [];
      expect(constraints.map((c) => c.topologyKey)).toEqual(['topology.kubernetes.io/zone', 'kubernetes.io/hostname']);
      for (const c of constraints) {
        expect(c).toMatchObject({ maxSkew: 1, whenUnsatisfiable: 'ScheduleAnyway', matchLabelKeys: ['pod-template-hash'] });
        expect(c.labelSelector?.matchLabels).toEqual(d.spec!.selector.matchLabels);
        expect(name).toBe(c.labelSelector?.matchLabels?.['app.kubernetes.io/name']);
      }
    },
  );

  it('when containers are scheduled, then each has CPU and memory requests and limits', () => {
    for (const [, pod] of podSpecs) {
      for (const c of pod.containers) {
        expect(Object.keys(c.resources?.requests ?? {}).sort()).toEqual(['cpu', 'memory']);
        expect(Object.keys(c.resources?.limits ?? {}).sort()).toEqual(['cpu', 'memory']);
      }
    }
  });

  it('when a pod is stopped, then a preStop sleep lets endpoints drain before SIGTERM reaches node, through the image entrypoint', () => {
    for (const d of deployments) {
      const c = d.spec!.template.spec!.containers[0]!;
      expect(c.lifecycle?.preStop?.exec?.command).toEqual(['sleep', expect.stringMatching(/^\d+$/)]);
      expect(c.command).toBeUndefined();
    }
    for (const j of jobs) expect(j.spec!.template.spec!.containers[0]!.command).toBeUndefined();
  });

  it('when gateway, auth and user are autoscaled, then each HPA (autoscaling/v2) targets an existing Deployment that leaves replicas to it', () => {
    const hpas = ofKind<IHorizontalPodAutoscaler>(manifests, 'HorizontalPodAutoscaler');
    expect(hpas.map((h) => h.spec?.scaleTargetRef.name).sort()).toEqual(['auth', 'gateway', 'user']);
    for (const hpa of hpas) {
      expect(hpa.spec!.minReplicas).toBeGreaterThanOrEqual(2);
      expect(deployment(hpa.spec!.scaleTargetRef.name).spec?.replicas).toBeUndefined();
    }
    expect(scalingProblems(manifests)).toEqual([]);
  });

  it('when an HPA or PDB points at nothing, then the check reports it', () => {
    const badHpa = mutated('HorizontalPodAutoscaler', 'user', (h: IHorizontalPodAutoscaler) => (h.spec!.scaleTargetRef.name = 'users'));
    expect(scalingProblems(badHpa)).toEqual([expect.stringMatching(/HPA user: target Deployment\/users/)]);
    const badPdb = mutated('PodDisruptionBudget', 'auth', (p: { spec: { selector: { matchLabels: Record<string, string> } } }) => {
      p.spec.selector.matchLabels = { 'app.kubernetes.io/name': 'nobody' };
    });
    expect(scalingProblems(badPdb)).toEqual([expect.stringMatching(/PDB auth/)]);
  });

  it('when every Deployment can be disrupted voluntarily, then a PodDisruptionBudget keeps all but one pod up', () => {
    const pdbs = ofKind<{ metadata: { name: string }; spec: { maxUnavailable?: number } }>(manifests, 'PodDisruptionBudget');
    expect(pdbs.map((p) => p.metadata.name).sort()).toEqual(deployedServices.map((s) => s.name).sort());
    for (const pdb of pdbs) expect(pdb.spec.maxUnavailable).toBe(1);
  });

  it('when traffic enters the cluster, then the Ingress routes only /api and /.well-known, to the gateway API port, over TLS', () => {
    expect(ingressBackends(manifests)).toEqual(['gateway:http', 'gateway:http']);
    expect(ingressRoutes(manifests)).toEqual(['api.example.com/api (Prefix)', 'api.example.com/.well-known (Prefix)']);
    const [ingress] = ofKind<IIngress>(manifests, 'Ingress');
    expect(ingress?.spec?.tls).toEqual([{ hosts: ['api.example.com'], secretName: 'gatehouse-tls' }]);
    expect(ingress?.spec?.defaultBackend).toBeUndefined();
  });

  it('when an Ingress sends / or the management port anywhere, then the route check shows it', () => {
    const catchAll = mutated('Ingress', 'gateway', (i: IIngress) => (i.spec!.rules![0]!.http!.paths[0]!.path = '/'));
    const toManagement = mutated('Ingress', 'gateway', (i: IIngress) => (i.spec!.rules![0]!.http!.paths[1]!.backend.service!.port = { name: 'management' }));
    expect(ingressRoutes(catchAll)).toContain('api.example.com/ (Prefix)');
    expect(ingressBackends(toManagement)).toContain('gateway:management');
  });

  it('when Prometheus discovers pods by annotation, then each Deployment announces /metrics on its management port', () => {
    for (const d of deployments) {
      expect(d.spec!.template.metadata!.annotations).toEqual({
        'prometheus.io/scrape': 'true',
        'prometheus.io/port': '9090',
        'prometheus.io/path': '/metrics',
      });
    }
  });

  it('when images are referenced, then each is a target the Dockerfile builds, Deployments and their migrate Jobs alike', () => {
    const targets = new Set(readDockerfile().map((s) => s.name));
    for (const w of [...deployments, ...jobs]) {
      for (const c of w.spec!.template.spec!.containers) {
        const match = /^gatehouse\/([a-z-]+)$/.exec(c.image ?? '');
        expect(match).not.toBeNull();
        expect(targets.has(match![1]!)).toBe(true);
        expect(w.metadata?.name?.replace(/-migrate$/, '')).toBe(match![1]);
      }
    }
  });

  it.each([['base', manifests.map((m) => m.object)] as const, ['overlays/example', render(overlayDir)] as const])(
    'when %s is rendered, then every object and pod template carries the app.kubernetes.io labels',
    (name, objects: readonly K8sObject[]) => {
      const withVersion = name !== 'base';
      expect(labelProblems(objects, { version: withVersion })).toEqual([]);
    },
  );

  it('when the example overlay stamps its release, then app.kubernetes.io/version is the tag of every image', () => {
    const tags = new Set((readKustomization(overlayDir).images ?? []).map((i) => i.newTag));
    const versions = new Set(render(overlayDir).map((o) => o.metadata.labels?.['app.kubernetes.io/version']));
    expect([...versions]).toEqual([...tags]);
  });

  it('when a label goes missing, then the label check reports the object', () => {
    const objects = manifests.map((m) => clone(m.object));
    delete objects.find((o) => o.kind === 'Service')!.metadata.labels!['app.kubernetes.io/component'];
    expect(labelProblems(objects, { version: false })).toEqual([expect.stringMatching(/^Service\/\w+: app.kubernetes.io\/component/)]);
  });
});
