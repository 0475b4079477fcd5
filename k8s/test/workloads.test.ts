import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import type { IIngress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import type { IService } from 'kubernetes-models/v1/Service';
import { readDockerfile } from './dockerfile';
import { clone, loadBaseManifests, ofKind, repoRoot, type Manifest } from './manifests';
import { deployedServices } from './service-catalog';
import { ingressBackends, probeProblems, scalingProblems, servedHealthPaths, serviceProblems } from './workload-checks';

const manifests = loadBaseManifests();
const deployments = ofKind<IDeployment>(manifests, 'Deployment');

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
  it('when the base is read, then every Gatehouse process has exactly one Deployment and one Service on its port', () => {
    for (const service of deployedServices) {
      expect(container(service.name).ports).toEqual([expect.objectContaining({ containerPort: service.port, name: 'http' })]);
      const services = ofKind<IService>(manifests, 'Service').filter((s) => s.metadata?.name === service.name);
      expect(services.map((s) => s.spec?.ports?.[0]?.port)).toEqual([service.port]);
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

  it('when the probe paths are looked up, then libs/http serves them and every service builds on it', () => {
    const health = readFileSync(join(repoRoot, 'libs/http/src/health.ts'), 'utf8');
    for (const path of servedHealthPaths) expect(health).toContain(`router.get('${path}'`);
    expect(readFileSync(join(repoRoot, 'libs/http/src/create-http-app.ts'), 'utf8')).toMatch(/healthRoutes\(/);
    for (const service of deployedServices) {
      expect(readFileSync(join(repoRoot, service.packageDir, 'src/app.ts'), 'utf8')).toMatch(/createHttpApp\(/);
    }
  });

  it('when probes are read, then startup and liveness use /healthz and readiness uses /readyz on the HTTP port', () => {
    expect(probeProblems(manifests)).toEqual([]);
  });

  it('when a probe asks for a path the service does not serve, then the check reports it', () => {
    const broken = mutated('Deployment', 'gateway', (d: IDeployment) => (d.spec!.template.spec!.containers[0]!.readinessProbe!.httpGet!.path = '/health'));
    expect(probeProblems(broken)).toEqual([expect.stringMatching(/gateway\/gateway readinessProbe: \/health is not served/)]);
  });

  it('when pods run, then they are non-root with a read-only root, no privilege escalation, no capabilities and the runtime seccomp profile', () => {
    for (const d of deployments) {
      const pod = d.spec!.template.spec!;
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
      expect(pod.securityContext?.runAsUser).toBeGreaterThan(0);
      expect(pod.automountServiceAccountToken).toBe(false);
      for (const c of pod.containers) {
        expect(c.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
        expect(c.volumeMounts).toContainEqual(expect.objectContaining({ name: 'tmp', mountPath: '/tmp' }));
        const volumes = new Set((pod.volumes ?? []).map((v) => v.name));
        for (const mount of c.volumeMounts ?? []) expect(volumes.has(mount.name)).toBe(true);
      }
      expect(pod.volumes).toContainEqual(expect.objectContaining({ name: 'tmp', emptyDir: expect.any(Object) }));
    }
  });

  it('when containers are scheduled, then each has CPU and memory requests and limits', () => {
    for (const d of deployments) {
      for (const c of d.spec!.template.spec!.containers) {
        expect(Object.keys(c.resources?.requests ?? {}).sort()).toEqual(['cpu', 'memory']);
        expect(Object.keys(c.resources?.limits ?? {}).sort()).toEqual(['cpu', 'memory']);
      }
    }
  });

  it('when a pod is stopped, then a preStop sleep lets endpoints drain before SIGTERM reaches node', () => {
    for (const d of deployments) {
      const c = d.spec!.template.spec!.containers[0]!;
      expect(c.lifecycle?.preStop?.exec?.command).toEqual(['sleep', expect.stringMatching(/^\d+$/)]);
      expect(c.command).toBeUndefined();
    }
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

  it('when traffic enters the cluster, then the Ingress routes only to the gateway Service, over TLS', () => {
    expect(ingressBackends(manifests)).toEqual(['gateway:http']);
    const [ingress] = ofKind<IIngress>(manifests, 'Ingress');
    expect(ingress?.spec?.tls).toHaveLength(1);
  });

  it('when images are referenced, then each is a target the Dockerfile builds', () => {
    const targets = new Set(readDockerfile().map((s) => s.name));
    for (const d of deployments) {
      for (const c of d.spec!.template.spec!.containers) {
        const match = /^gatehouse\/([a-z-]+)$/.exec(c.image ?? '');
        expect(match).not.toBeNull();
        expect(targets.has(match![1]!)).toBe(true);
        expect(match![1]).toBe(d.metadata?.name);
      }
    }
  });
});
