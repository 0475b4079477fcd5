import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, migrationConfigSchema } from '@gatehouse/config';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IJob } from 'kubernetes-models/batch/v1/Job';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import type { IService } from 'kubernetes-models/v1/Service';
import { loadBaseManifests, loadSecretTemplates, ofKind, repoRoot } from './manifests';
import { containerEnv, dataSources } from './pod-env';
import { deployedService } from './service-catalog';

const manifests = loadBaseManifests();
const templates = loadSecretTemplates();
const sources = dataSources([...manifests, ...templates]);
const jobs = ofKind<IJob>(manifests, 'Job');
const deployments = ofKind<IDeployment>(manifests, 'Deployment');
const databaseServices = ['auth', 'user', 'notification'] as const;

function job(service: string): IJob {
  const found = jobs.find((j) => j.metadata?.name === `${service}-migrate`);
  if (!found) throw new Error(`no Job ${service}-migrate`);
  return found;
}

function deploymentPod(service: string): IPodSpec {
  return deployments.find((d) => d.metadata?.name === service)!.spec!.template.spec!;
}

function envOf(pod: IPodSpec): Record<string, string> {
  return containerEnv(pod.containers[0]!, sources).env;
}

/** Every Secret a pod can read: through envFrom, env references or volumes. */
function secretsReadBy(pod: IPodSpec): string[] {
  const containers = [...(pod.initContainers ?? []), ...pod.containers];
  return [
    ...containers.flatMap((c) => (c.envFrom ?? []).flatMap((f) => (f.secretRef?.name ? [f.secretRef.name] : []))),
    ...containers.flatMap((c) => (c.env ?? []).flatMap((e) => (e.valueFrom?.secretKeyRef?.name ? [e.valueFrom.secretKeyRef.name] : []))),
    ...(pod.volumes ?? []).flatMap((v) => (v.secret?.secretName ? [v.secret.secretName] : [])),
  ];
}

describe('migrations', () => {
  it('when the base is read, then every service with a database has exactly one migrate Job, and nothing else does', () => {
    expect(jobs.map((j) => j.metadata?.name).sort()).toEqual(databaseServices.map((s) => `${s}-migrate`).sort());
  });

  it.each(databaseServices)(
    'when the %s-migrate Job runs, then it starts the migrate-only entrypoint of the image, once, without restarting in place',
    (service) => {
      const spec = job(service).spec!;
      const container = spec.template.spec!.containers[0]!;
      expect(container.image).toBe(`gatehouse/${service}`);
      expect(container.args).toEqual(['node', `services/${service}/dist/migrate.js`]);
      expect(existsSync(join(repoRoot, 'services', service, 'src', 'migrate.ts'))).toBe(true);
      expect(spec.template.spec!.restartPolicy).toBe('Never');
      expect(spec.parallelism ?? 1).toBe(1);
      expect(spec.backoffLimit).toBeGreaterThan(0);
      expect(spec.activeDeadlineSeconds).toBeGreaterThan(0);
    },
  );

  it.each(databaseServices)(
    'when the %s-migrate Job connects, then it uses the DDL role from its own Secret, and the Deployment the runtime role',
    (service) => {
      const migrationUrl = new URL(envOf(job(service).spec!.template.spec!).DATABASE_URL!);
      const runtimeUrl = new URL(envOf(deploymentPod(service)).DATABASE_URL!);
      expect(secretsReadBy(job(service).spec!.template.spec!)).toEqual([`gatehouse-${service}-migrate`]);
      expect(migrationUrl.username).toBe(`gatehouse_${service}_owner`);
      expect(runtimeUrl.username).toBe(`gatehouse_${service}`);
      expect(migrationUrl.host).toBe(runtimeUrl.host);
      expect(migrationUrl.pathname).toBe(runtimeUrl.pathname);
      expect(migrationUrl.searchParams.get('sslmode')).toBe('verify-full');
    },
  );

  it.each(databaseServices)('when the %s pods run, then no container of theirs can read a migrate Secret', (service) => {
    const readable = deployments.flatMap((d) => secretsReadBy(d.spec!.template.spec!));
    expect(readable.filter((name) => name.endsWith('-migrate'))).toEqual([]);
    const runtimeSecret = templates.find((t) => t.object.metadata.name === `gatehouse-${service}`)!.object as unknown as { stringData: Record<string, string> };
    expect(Object.values(runtimeSecret.stringData).filter((v) => v.includes(`gatehouse_${service}_owner`))).toEqual([]);
  });

  it.each(databaseServices)(
    'when the %s-migrate Job loads its environment with the real migrate config, then it grants the runtime role of the Deployment and creates no database',
    (service) => {
      const env = envOf(job(service).spec!.template.spec!);
      const config = loadConfig(service, migrationConfigSchema(deployedService(service).schema), env);
      expect(config).toMatchObject({
        NODE_ENV: 'production',
        DATABASE_CREATE: false,
        DATABASE_RUNTIME_ROLE: new URL(envOf(deploymentPod(service)).DATABASE_URL!).username,
      });
    },
  );

  it('when the migrate Jobs are labelled, then no Service, PodDisruptionBudget or Deployment selector picks their pods', () => {
    const selectors = [
      ...ofKind<IService>(manifests, 'Service').map((s) => s.spec?.selector ?? {}),
      ...ofKind<IPodDisruptionBudget>(manifests, 'PodDisruptionBudget').map((p) => p.spec?.selector?.matchLabels ?? {}),
      ...deployments.map((d) => d.spec!.selector.matchLabels ?? {}),
    ];
    for (const j of jobs) {
      const labels = j.spec!.template.metadata!.labels!;
      expect(labels['app.kubernetes.io/component']).toBe('migration');
      for (const selector of selectors) expect(Object.entries(selector).every(([k, v]) => labels[k] === v)).toBe(false);
    }
  });

  it('when a GitOps tool applies the overlay, then the Jobs are marked to run before the rollout and replace their previous run', () => {
    for (const j of jobs) {
      expect(j.metadata?.annotations).toMatchObject({ 'argocd.argoproj.io/hook': 'PreSync', 'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation' });
      expect(j.spec?.ttlSecondsAfterFinished).toBeGreaterThan(0);
    }
  });
});
