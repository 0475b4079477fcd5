import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import type { IIngress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IService } from 'kubernetes-models/v1/Service';
import { ofKind, type K8sObject, type Manifest } from './manifests';

/** What libs/http serves on every Gatehouse process's management port. */
export const servedHealthPaths = ['/healthz', '/readyz'];

/** The container port name of MANAGEMENT_PORT: probes go there, never to the API port. */
export const managementPortName = 'management';

function matches(selector: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);
}

function podLabels(deployment: IDeployment): Record<string, string> {
  return deployment.spec?.template.metadata?.labels ?? {};
}

function hasPort(containers: readonly IContainer[], port: number | string | undefined): boolean {
  return containers.some((c) => (c.ports ?? []).some((p) => p.containerPort === port || (p.name !== undefined && p.name === port)));
}

/** Services whose selector picks no Deployment's pods, or whose targetPort no container opens. */
export function serviceProblems(manifests: readonly Manifest[]): string[] {
  const deployments = ofKind<IDeployment>(manifests, 'Deployment');
  return ofKind<IService>(manifests, 'Service').flatMap((service) => {
    const name = service.metadata?.name;
    const target = deployments.find((d) => matches(service.spec?.selector ?? {}, podLabels(d)));
    if (!target) return [`Service ${name}: selector matches no Deployment`];
    const containers = target.spec?.template.spec?.containers ?? [];
    return (service.spec?.ports ?? [])
      .filter((p) => !hasPort(containers, p.targetPort ?? p.port))
      .map((p) => `Service ${name}: targetPort ${p.targetPort} is not a container port of ${target.metadata?.name}`);
  });
}

/** Probes that are missing, not HTTP, on a path the service does not serve, or not on the management port. */
export function probeProblems(manifests: readonly Manifest[]): string[] {
  const expected = { startupProbe: '/healthz', livenessProbe: '/healthz', readinessProbe: '/readyz' } as const;
  return ofKind<IDeployment>(manifests, 'Deployment').flatMap((deployment) => {
    const containers = deployment.spec?.template.spec?.containers ?? [];
    return containers.flatMap((container) =>
      (Object.keys(expected) as (keyof typeof expected)[]).flatMap((kind) => {
        const where = `${deployment.metadata?.name}/${container.name} ${kind}`;
        const probe = container[kind]?.httpGet;
        if (!probe) return [`${where}: missing or not httpGet`];
        const problems: string[] = [];
        if (!servedHealthPaths.includes(probe.path ?? '')) problems.push(`${where}: ${probe.path} is not served`);
        else if (probe.path !== expected[kind]) problems.push(`${where}: should use ${expected[kind]}, uses ${probe.path}`);
        if (!hasPort([container], probe.port)) problems.push(`${where}: port ${probe.port} is not a container port`);
        else if (probe.port !== managementPortName) problems.push(`${where}: port ${probe.port} is not the management port`);
        return problems;
      }),
    );
  });
}

/** HPAs and PDBs must point at an existing Deployment. */
export function scalingProblems(manifests: readonly Manifest[]): string[] {
  const deployments = ofKind<IDeployment>(manifests, 'Deployment');
  const hpas = ofKind<IHorizontalPodAutoscaler>(manifests, 'HorizontalPodAutoscaler').flatMap((hpa) => {
    const ref = hpa.spec?.scaleTargetRef;
    const found = deployments.some((d) => ref?.kind === 'Deployment' && ref.apiVersion === 'apps/v1' && d.metadata?.name === ref.name);
    return found ? [] : [`HPA ${hpa.metadata?.name}: target ${ref?.kind}/${ref?.name} does not exist`];
  });
  const pdbs = ofKind<IPodDisruptionBudget>(manifests, 'PodDisruptionBudget').flatMap((pdb) =>
    deployments.some((d) => matches(pdb.spec?.selector?.matchLabels ?? {}, podLabels(d))) ? [] : [`PDB ${pdb.metadata?.name}: selects no Deployment's pods`],
  );
  return [...hpas, ...pdbs];
}

/** Every Service an Ingress routes to, as `name:port`. */
export function ingressBackends(manifests: readonly Manifest[]): string[] {
  return ofKind<IIngress>(manifests, 'Ingress').flatMap((ingress) =>
    (ingress.spec?.rules ?? []).flatMap((rule) =>
      (rule.http?.paths ?? []).map((path) => `${path.backend.service?.name}:${path.backend.service?.port?.name ?? path.backend.service?.port?.number}`),
    ),
  );
}

/** Every route of every Ingress, as `host/path (pathType)`. */
export function ingressRoutes(manifests: readonly Manifest[]): string[] {
  return ofKind<IIngress>(manifests, 'Ingress').flatMap((ingress) =>
    (ingress.spec?.rules ?? []).flatMap((rule) => (rule.http?.paths ?? []).map((path) => `${rule.host ?? '*'}${path.path} (${path.pathType})`)),
  );
}

/** The recommended labels (kubernetes.io/docs/concepts/overview/working-with-objects/common-labels). */
const recommendedLabels = [
  'app.kubernetes.io/name',
  'app.kubernetes.io/instance',
  'app.kubernetes.io/component',
  'app.kubernetes.io/part-of',
  'app.kubernetes.io/managed-by',
];

/** Objects and pod templates missing a recommended label (`version` too where an overlay stamps it). */
export function labelProblems(objects: readonly K8sObject[], options: { version: boolean }): string[] {
  const wanted = options.version ? [...recommendedLabels, 'app.kubernetes.io/version'] : recommendedLabels;
  return objects.flatMap((object) => {
    const where = `${object.kind}/${object.metadata.name}`;
    const template = (object as { spec?: { template?: { metadata?: { labels?: Record<string, string> } } } }).spec?.template;
    const missing = (labels: Record<string, string> | undefined, at: string) => wanted.filter((key) => !labels?.[key]).map((key) => `${at}: ${key}`);
    return [...missing(object.metadata.labels, where), ...(template ? missing(template.metadata?.labels, `${where} pod template`) : [])];
  });
}
