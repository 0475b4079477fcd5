import { join } from 'node:path';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IJob } from 'kubernetes-models/batch/v1/Job';
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import type { IPodTemplateSpec } from 'kubernetes-models/v1/PodTemplateSpec';
import { tracingEnabled } from '../../libs/telemetry/src/start-telemetry';
import { k8sRoot, loadBaseManifests, loadSecretTemplates, ofKind, overlayDir, type Manifest } from './manifests';
import { connects, type PodRef } from './network-policy';
import { containerEnv, dataSources } from './pod-env';
import { deployedService, deployedServices } from './service-catalog';

const withTracing = loadBaseManifests(join(k8sRoot, 'test', 'fixtures', 'with-tracing'));
const example = loadBaseManifests(overlayDir);
const templates = loadSecretTemplates();

function template(manifests: readonly Manifest[], name: string): IPodTemplateSpec {
  const workload = [...ofKind<IDeployment>(manifests, 'Deployment'), ...ofKind<IJob>(manifests, 'Job')].find((w) => w.metadata?.name === name);
  if (!workload) throw new Error(`no Deployment or Job ${name}`);
  return workload.spec!.template;
}

function envOf(manifests: readonly Manifest[], name: string) {
  return containerEnv(template(manifests, name).spec!.containers[0]!, dataSources([...manifests, ...templates]));
}

/** The value the kubelet gives a variable set from one of the pod's own labels (the downward API). */
function fromPodLabel(manifests: readonly Manifest[], name: string, variable: string): string | undefined {
  const pod = template(manifests, name);
  const fieldPath = pod.spec!.containers[0]!.env?.find((e) => e.name === variable)?.valueFrom?.fieldRef?.fieldPath;
  const label = /^metadata\.labels\['(.+)'\]$/.exec(fieldPath ?? '')?.[1];
  return label === undefined ? undefined : pod.metadata?.labels?.[label];
}

function podRef(manifests: readonly Manifest[], name: string): PodRef {
  const pod = template(manifests, name);
  return { namespace: 'gatehouse', namespaceLabels: { 'kubernetes.io/metadata.name': 'gatehouse' }, labels: pod.metadata?.labels ?? {} };
}

/** A collector pod as the component's egress policy describes it (the placeholder an overlay edits). */
function collector(): PodRef {
  const policy = ofKind<INetworkPolicy>(withTracing, 'NetworkPolicy').find((p) => p.metadata?.name === 'to-otel-collector')!;
  const peer = policy.spec!.egress![0]!.to![0]!;
  const namespace = peer.namespaceSelector!.matchLabels!['kubernetes.io/metadata.name']!;
  return { namespace, namespaceLabels: peer.namespaceSelector!.matchLabels!, labels: peer.podSelector!.matchLabels! };
}

const deployments = deployedServices.map((s) => [s.name] as const);
const jobs = ofKind<IJob>(example, 'Job').map((j) => [j.metadata!.name!] as const);

describe('tracing component (components/tracing)', () => {
  it.each(deployments)('when %s runs without the component, then no OTLP endpoint is set and tracing is off', (name) => {
    expect(tracingEnabled(envOf(example, name).env)).toBe(false);
  });

  it.each(deployments)(
    'when %s runs with the component, then tracing is on with a parent-based ratio sampler, and its real config loader still accepts the environment',
    (name) => {
      const { env, problems } = envOf(withTracing, name);
      expect(problems).toEqual([]);
      expect(tracingEnabled(env)).toBe(true);
      expect(env).toMatchObject({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' });
      expect(Number(env.OTEL_TRACES_SAMPLER_ARG)).toBeGreaterThan(0);
      expect(Number(env.OTEL_TRACES_SAMPLER_ARG)).toBeLessThanOrEqual(1);
      expect(() => deployedService(name).load(env)).not.toThrow();
    },
  );

  it.each(deployments)('when %s exports spans, then its service.name is its own name, from its pod label', (name) => {
    expect(fromPodLabel(withTracing, name, 'OTEL_SERVICE_NAME')).toBe(name);
  });

  it.each(deployments)('when the component patches %s, then every variable and source the base gave the container is kept', (name) => {
    const before = template(example, name).spec!.containers[0]!;
    const after = template(withTracing, name).spec!.containers[0]!;
    expect(after.envFrom!.slice(0, before.envFrom!.length)).toEqual(before.envFrom);
    expect(after.env).toEqual(expect.arrayContaining(before.env ?? []));
    const withoutTracing = { ...envOf(example, name).env };
    expect(envOf(withTracing, name).env).toMatchObject(withoutTracing);
  });

  it.each(jobs)('when the migrate Job %s runs, then the component leaves it untouched', (name) => {
    expect(template(withTracing, name)).toEqual(template(example, name));
  });

  it.each(deployments)(
    'when %s sends spans, then the NetworkPolicies let it reach the collector on the endpoint port, which they shut without the component',
    (name) => {
      const port = Number(new URL(envOf(withTracing, name).env.OTEL_EXPORTER_OTLP_ENDPOINT!).port);
      const policies = ofKind<INetworkPolicy>(withTracing, 'NetworkPolicy');
      expect(connects(policies, podRef(withTracing, name), collector(), port)).toBe(true);
      expect(connects(policies, podRef(withTracing, name), collector(), port + 1)).toBe(false);
      expect(connects(ofKind<INetworkPolicy>(example, 'NetworkPolicy'), podRef(example, name), collector(), port)).toBe(false);
    },
  );

  it('when a migrate Job would send spans, then the collector stays out of its reach', () => {
    const [job] = jobs[0]!;
    expect(connects(ofKind<INetworkPolicy>(withTracing, 'NetworkPolicy'), podRef(withTracing, job), collector(), 4318)).toBe(false);
  });
});
