import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IJob } from 'kubernetes-models/batch/v1/Job';
import type { IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { ofKind, type Manifest } from './manifests';
import { containerEnv, dataSources } from './pod-env';

/** Where the base documents the budget: an annotation on the Namespace. */
export const budgetAnnotation = 'gatehouse/postgres-connection-budget';

/** The migrate entrypoint holds one connection (libs/db prepareDatabase: a pool of max 1). */
const MIGRATE_CONNECTIONS = 1;

export interface Demand {
  readonly workload: string;
  readonly connections: number;
}

export function connectionBudget(manifests: readonly Manifest[]): number {
  const namespace = manifests.find((m) => m.object.kind === 'Namespace')?.object as { metadata: { annotations?: Record<string, string> } } | undefined;
  const value = Number(namespace?.metadata.annotations?.[budgetAnnotation]);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`the Namespace has no ${budgetAnnotation} annotation`);
  return value;
}

function surge(deployment: IDeployment): number {
  const value = deployment.spec?.strategy?.rollingUpdate?.maxSurge ?? 1;
  if (typeof value !== 'number') throw new Error(`${deployment.metadata?.name}: maxSurge as a percentage is not modelled`);
  return value;
}

/**
 * The most PostgreSQL connections each workload may hold: its pool size (as its real config
 * loader reads it from the manifests) times its most pods (the HPA's maxReplicas, else the fixed
 * replicas, plus the rollout's surge pod), and one per migrate Job.
 */
export function connectionDemand(
  manifests: readonly Manifest[],
  poolSize: (service: string, env: Record<string, string>) => number,
  secretTemplates: readonly Manifest[],
): Demand[] {
  const sources = dataSources([...manifests, ...secretTemplates]);
  const hpas = ofKind<IHorizontalPodAutoscaler>(manifests, 'HorizontalPodAutoscaler');
  const deployments = ofKind<IDeployment>(manifests, 'Deployment').flatMap((deployment) => {
    const name = deployment.metadata!.name!;
    const { env } = containerEnv(deployment.spec!.template.spec!.containers[0]!, sources);
    if (!env.DATABASE_URL) return [];
    const hpa = hpas.find((h) => h.spec?.scaleTargetRef.name === name);
    const pods = (hpa?.spec?.maxReplicas ?? deployment.spec?.replicas ?? 1) + surge(deployment);
    return [{ workload: name, connections: poolSize(name, env) * pods }];
  });
  const jobs = ofKind<IJob>(manifests, 'Job').map((job) => ({
    workload: job.metadata!.name!,
    connections: MIGRATE_CONNECTIONS * (job.spec?.parallelism ?? 1),
  }));
  return [...deployments, ...jobs];
}
