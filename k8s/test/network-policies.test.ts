import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IJob } from 'kubernetes-models/batch/v1/Job';
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { loadBaseManifests, loadSecretTemplates, ofKind } from './manifests';
import { admits, connects, externalEgress, inCidr, letsOut, type PodRef } from './network-policy';
import { containerEnv, dataSources } from './pod-env';

const manifests = loadBaseManifests();
const policies = ofKind<INetworkPolicy>(manifests, 'NetworkPolicy');
const workloads = [...ofKind<IDeployment>(manifests, 'Deployment'), ...ofKind<IJob>(manifests, 'Job')];
const sources = dataSources([...manifests, ...loadSecretTemplates()]);
const namespace = 'gatehouse';
const gatehouseNamespace = { namespace, namespaceLabels: { 'kubernetes.io/metadata.name': namespace } };
/** RFC 5737 TEST-NET-1: where the base's placeholders for the data services point. */
const documentationRange = '192.0.2.0/24';

function workload(name: string) {
  const found = workloads.find((w) => w.metadata?.name === name);
  if (!found) throw new Error(`no Deployment or Job ${name}`);
  return found;
}

function pod(name: string): PodRef {
  const template = workload(name).spec!.template;
  return { ...gatehouseNamespace, labels: template.metadata?.labels ?? {}, ports: template.spec!.containers.flatMap((c) => c.ports ?? []) };
}

function port(name: string, portName = 'http'): number {
  return pod(name).ports!.find((p) => p.name === portName)!.containerPort;
}

const ingressController: PodRef = {
  namespace: 'ingress-nginx',
  namespaceLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' },
  labels: { 'app.kubernetes.io/name': 'ingress-nginx' },
};
const prometheus: PodRef = {
  namespace: 'monitoring',
  namespaceLabels: { 'kubernetes.io/metadata.name': 'monitoring' },
  labels: { 'app.kubernetes.io/name': 'prometheus' },
};
const kubeDns: PodRef = { namespace: 'kube-system', namespaceLabels: { 'kubernetes.io/metadata.name': 'kube-system' }, labels: { 'k8s-app': 'kube-dns' } };
const otherKubeSystemPod: PodRef = { ...kubeDns, labels: { component: 'kube-apiserver' } };
const strangerInNamespace: PodRef = { ...gatehouseNamespace, labels: { app: 'debug-shell' } };
const podElsewhere: PodRef = { namespace: 'default', namespaceLabels: { 'kubernetes.io/metadata.name': 'default' }, labels: { app: 'whatever' } };
const deploymentNames = ['gateway', 'auth', 'user', 'notification'];
const jobNames = ofKind<IJob>(manifests, 'Job').map((j) => j.metadata!.name!);

const defaultPorts: Record<string, number> = { postgres: 5432, postgresql: 5432, redis: 6379, rediss: 6379, amqp: 5672, amqps: 5671, smtp: 587, smtps: 465 };
const urlKeys = ['DATABASE_URL', 'REDIS_URL', 'AMQP_URL', 'SMTP_URL'];

/** The ports of the data services a workload's Secrets point it at (from the templates). */
function dataServicePorts(name: string): number[] {
  const { env } = containerEnv(workload(name).spec!.template.spec!.containers[0]!, sources);
  const ports = urlKeys
    .filter((key) => env[key])
    .map((key) => {
      const url = new URL(env[key]!);
      return url.port ? Number(url.port) : defaultPorts[url.protocol.replace(/:$/, '')]!;
    });
  return [...new Set(ports)].sort((a, b) => a - b);
}

describe('network policies', () => {
  it('when no other policy opens a path, then ingress to and egress from every pod in the namespace are denied', () => {
    const defaultDeny = policies.find((p) => Object.keys(p.spec?.podSelector ?? {}).length === 0 && !p.spec?.ingress && !p.spec?.egress);
    expect(defaultDeny?.spec?.policyTypes?.sort()).toEqual(['Egress', 'Ingress']);
    expect(admits(policies, strangerInNamespace, pod('notification'), port('notification'))).toBe(false);
    expect(letsOut(policies, strangerInNamespace, podElsewhere, 443)).toBe(false);
    expect(letsOut(policies, strangerInNamespace, { ip: '203.0.113.7' }, 443)).toBe(false);
  });

  it.each([...deploymentNames, ...jobNames])(
    'when %s resolves a name, then kube-dns answers over UDP and TCP, and nothing else in kube-system is reachable',
    (name) => {
      expect(connects(policies, pod(name), kubeDns, 53, 'UDP')).toBe(true);
      expect(connects(policies, pod(name), kubeDns, 53, 'TCP')).toBe(true);
      expect(letsOut(policies, pod(name), otherKubeSystemPod, 53, 'UDP')).toBe(false);
      expect(letsOut(policies, pod(name), { ip: '203.0.113.53' }, 53, 'UDP')).toBe(false);
    },
  );

  it.each([
    ['gateway', 'auth'],
    ['gateway', 'user'],
    ['user', 'auth'],
  ])('when %s calls %s on its HTTP port, then its egress and the callee ingress both allow it', (from, to) => {
    expect(connects(policies, pod(from), pod(to), port(to))).toBe(true);
  });

  it.each([
    ['notification', 'auth'],
    ['notification', 'user'],
    ['auth', 'user'],
    ['user', 'gateway'],
    ['gateway', 'notification'],
    ['auth-migrate', 'auth'],
  ])('when %s calls %s, then the policies deny it', (from, to) => {
    expect(connects(policies, pod(from), pod(to), port(to))).toBe(false);
  });

  it('when the ingress controller calls the gateway, then it is admitted, and auth and user stay unreachable to it', () => {
    expect(admits(policies, ingressController, pod('gateway'), 8080)).toBe(true);
    expect(admits(policies, ingressController, pod('auth'), port('auth'))).toBe(false);
    expect(admits(policies, ingressController, pod('user'), port('user'))).toBe(false);
  });

  it('when a pod outside the namespace or an unlabelled pod inside it calls a service, then it is denied', () => {
    for (const name of deploymentNames) {
      expect(admits(policies, podElsewhere, pod(name), port(name))).toBe(false);
      expect(admits(policies, strangerInNamespace, pod(name), port(name))).toBe(false);
    }
  });

  it.each(deploymentNames)('when Prometheus in the monitoring namespace scrapes %s, then only the management port admits it', (name) => {
    expect(admits(policies, prometheus, pod(name), port(name, 'management'))).toBe(true);
    expect(admits(policies, prometheus, pod(name), port(name))).toBe(false);
    expect(
      admits(
        policies,
        { ...prometheus, namespace: 'default', namespaceLabels: { 'kubernetes.io/metadata.name': 'default' } },
        pod(name),
        port(name, 'management'),
      ),
    ).toBe(false);
    expect(admits(policies, ingressController, pod(name), port(name, 'management'))).toBe(false);
    for (const other of deploymentNames) expect(connects(policies, pod(other), pod(name), port(name, 'management'))).toBe(false);
  });

  it.each([...deploymentNames, ...jobNames])(
    'when %s reaches outside the cluster, then only the ports of the data services its Secrets name are open, to documentation-range placeholders',
    (name) => {
      const allowed = externalEgress(policies, pod(name));
      const ports = [...new Set(allowed.map((entry) => Number(/:(\d+)\//.exec(entry)![1])))].sort((a, b) => a - b);
      expect(ports).toEqual(dataServicePorts(name));
      for (const entry of allowed) expect(inCidr(entry.split(':')[0]!.split('/')[0]!, documentationRange)).toBe(true);
      expect(letsOut(policies, pod(name), { ip: '203.0.113.7' }, 443)).toBe(false);
    },
  );

  it('when the data services are matched to the workloads, then PostgreSQL is for the database services and their migrations, Redis for auth, SMTP for notification, the broker for all four', () => {
    expect(dataServicePorts('gateway')).toEqual([5671]);
    expect(dataServicePorts('auth')).toEqual([5432, 5671, 6379]);
    expect(dataServicePorts('user')).toEqual([5432, 5671]);
    expect(dataServicePorts('notification')).toEqual([465, 5432, 5671]);
    for (const job of jobNames) expect(dataServicePorts(job)).toEqual([5432]);
    expect([...jobNames].sort()).toEqual(['auth-migrate', 'notification-migrate', 'user-migrate']);
  });

  it('when the policy opening auth to the gateway is missing, then the check reports gateway to auth as denied', () => {
    const withoutAuthPolicy = policies.filter((p) => p.metadata?.name !== 'auth-from-gateway-and-user');
    expect(withoutAuthPolicy).toHaveLength(policies.length - 1);
    expect(connects(withoutAuthPolicy, pod('gateway'), pod('auth'), port('auth'))).toBe(false);
  });

  it('when the egress policy for PostgreSQL is missing, then auth can no longer reach it and the comparison with its Secret reports the gap', () => {
    const withoutPostgres = policies.filter((p) => p.metadata?.name !== 'to-postgres');
    const postgres = { ip: '192.0.2.10' };
    expect(letsOut(policies, pod('auth'), postgres, 5432)).toBe(true);
    expect(letsOut(withoutPostgres, pod('auth'), postgres, 5432)).toBe(false);
    expect(externalEgress(withoutPostgres, pod('auth')).some((entry) => entry.includes(':5432/'))).toBe(false);
  });
});
