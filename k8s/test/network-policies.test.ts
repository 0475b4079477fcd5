import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { loadBaseManifests, ofKind } from './manifests';
import { admits, type PodRef } from './network-policy';

const manifests = loadBaseManifests();
const policies = ofKind<INetworkPolicy>(manifests, 'NetworkPolicy');
const deployments = ofKind<IDeployment>(manifests, 'Deployment');
const namespace = 'gatehouse';
const gatehouseNamespace = { namespace, namespaceLabels: { 'kubernetes.io/metadata.name': namespace } };

function pod(name: string) {
  const deployment = deployments.find((d) => d.metadata?.name === name);
  if (!deployment) throw new Error(`no Deployment ${name}`);
  const template = deployment.spec!.template;
  return { ...gatehouseNamespace, labels: template.metadata?.labels ?? {}, ports: template.spec!.containers.flatMap((c) => c.ports ?? []) };
}

function port(name: string): number {
  return pod(name).ports[0]!.containerPort;
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
const strangerInNamespace: PodRef = { ...gatehouseNamespace, labels: { app: 'debug-shell' } };
const podElsewhere: PodRef = { namespace: 'default', namespaceLabels: { 'kubernetes.io/metadata.name': 'default' }, labels: { app: 'whatever' } };

describe('network policies', () => {
  it('when no other policy opens a path, then ingress to every pod in the namespace is denied', () => {
    const defaultDeny = policies.find((p) => Object.keys(p.spec?.podSelector ?? {}).length === 0 && !p.spec?.ingress);
    expect(defaultDeny?.spec?.policyTypes).toContain('Ingress');
    expect(admits(policies, strangerInNamespace, pod('notification'), port('notification'))).toBe(false);
  });

  it.each([
    ['gateway', 'auth'],
    ['gateway', 'user'],
    ['user', 'auth'],
  ])('when %s calls %s on its HTTP port, then the policies admit it', (from, to) => {
    expect(admits(policies, pod(from), pod(to), port(to))).toBe(true);
  });

  it.each([
    ['notification', 'auth'],
    ['notification', 'user'],
    ['auth', 'user'],
    ['user', 'gateway'],
    ['gateway', 'notification'],
  ])('when %s calls %s, then the policies deny it', (from, to) => {
    expect(admits(policies, pod(from), pod(to), port(to))).toBe(false);
  });

  it('when the ingress controller calls the gateway, then it is admitted, and auth and user stay unreachable to it', () => {
    expect(admits(policies, ingressController, pod('gateway'), 8080)).toBe(true);
    expect(admits(policies, ingressController, pod('auth'), port('auth'))).toBe(false);
    expect(admits(policies, ingressController, pod('user'), port('user'))).toBe(false);
  });

  it('when a pod outside the namespace or an unlabelled pod inside it calls a service, then it is denied', () => {
    for (const name of ['gateway', 'auth', 'user', 'notification']) {
      expect(admits(policies, podElsewhere, pod(name), port(name))).toBe(false);
      expect(admits(policies, strangerInNamespace, pod(name), port(name))).toBe(false);
    }
  });

  it('when Prometheus scrapes /metrics on any service port, then it is admitted', () => {
    for (const name of ['gateway', 'auth', 'user', 'notification']) expect(admits(policies, prometheus, pod(name), port(name))).toBe(true);
  });

  it('when the policy opening auth to the gateway is missing, then the check reports gateway to auth as denied', () => {
    const withoutAuthPolicy = policies.filter((p) => p.metadata?.name !== 'auth-from-gateway-and-user');
    expect(withoutAuthPolicy).toHaveLength(policies.length - 1);
    expect(admits(withoutAuthPolicy, pod('gateway'), pod('auth'), port('auth'))).toBe(false);
  });
});
