import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IJob } from 'kubernetes-models/batch/v1/Job';
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { IService } from 'kubernetes-models/v1/Service';
import { baseName, istioOverlayDir, overlayDir, render, type K8sObject } from './manifests';
import { admits, letsOut, type PodRef } from './network-policy';
import { strictSchemaProblems } from './strict-schema';

/** The Istio kinds the overlay adds, validated against Istio's vendored CRD schemas. */
const istioKinds = ['RequestAuthentication', 'AuthorizationPolicy'];

type Labels = Record<string, string>;
interface RequestAuthentication extends K8sObject {
  spec: { selector: { matchLabels: Labels }; jwtRules: { issuer: string; audiences: string[]; jwksUri: string; forwardOriginalToken?: boolean }[] };
}
interface AuthorizationRule {
  from?: { source: { requestPrincipals?: string[] } }[];
  to?: { operation: { paths?: string[]; methods?: string[]; ports?: string[] } }[];
  when?: { key: string; values: string[] }[];
}
interface AuthorizationPolicy extends K8sObject {
  spec: { selector: { matchLabels: Labels }; action?: string; rules: AuthorizationRule[] };
}

function only<T>(objects: readonly K8sObject[], kind: string, name?: string): T {
  const found = objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  if (found.length !== 1) throw new Error(`expected one ${kind} ${name ?? ''}, found ${found.length}`);
  return found[0] as unknown as T;
}

function selects(selector: Labels, labels: Labels | undefined): boolean {
  return Object.entries(selector).every(([key, value]) => labels?.[key] === value);
}

function rulesFor(policy: AuthorizationPolicy, path: string): AuthorizationRule[] {
  return policy.spec.rules.filter((r) => r.to?.some((t) => t.operation.paths?.includes(path)));
}

const objects = render(istioOverlayDir);
const common = (objects.find((o) => o.kind === 'ConfigMap' && baseName(o.metadata.name) === 'gatehouse-common') as unknown as IConfigMap).data!;
const requestAuthentication = only<RequestAuthentication>(objects, 'RequestAuthentication');
const authorizationPolicy = only<AuthorizationPolicy>(objects, 'AuthorizationPolicy');
const deployments = objects.filter((o) => o.kind === 'Deployment') as unknown as IDeployment[];
const userDeployment = deployments.find((d) => d.metadata!.name === 'user')!;
const userPodLabels = userDeployment.spec!.template.metadata!.labels!;

describe('istio overlay', () => {
  it('when kubectl renders it, then it adds to the example overlay only Istio policies and two NetworkPolicies, and every object passes its strict schema', () => {
    const example = render(overlayDir);
    const istio = objects.filter((o) => istioKinds.includes(o.kind));
    const kubernetes = objects.filter((o) => !istioKinds.includes(o.kind));

    expect(objects.flatMap((o) => strictSchemaProblems(o))).toEqual([]);
    expect(istio.map((o) => `${o.apiVersion}/${o.kind}`).sort()).toEqual([
      'security.istio.io/v1/AuthorizationPolicy',
      'security.istio.io/v1/RequestAuthentication',
    ]);
    expect(kubernetes.length).toBe(example.length + 2);
    for (const object of istio) expect(object.metadata.namespace).toBe('gatehouse');
  });

  it('when the sidecar verifies a token, then it expects the issuer and audience the overlay ConfigMap gives the services', () => {
    const [rule] = requestAuthentication.spec.jwtRules;

    expect(requestAuthentication.spec.jwtRules).toHaveLength(1);
    expect(rule!.issuer).toBe(common.JWT_ISSUER);
    expect(rule!.issuer).toBe('https://api.gatehouse.example.org');
    expect(rule!.audiences).toEqual([common.JWT_AUDIENCE]);
    expect(rule!.forwardOriginalToken).toBe(true);
  });

  it('when istiod fetches the JWKS, then the URL names the auth Service, its port and namespace, and a NetworkPolicy admits istiod there', () => {
    const url = new URL(requestAuthentication.spec.jwtRules[0]!.jwksUri);
    const [serviceName] = url.hostname.split('.');
    const service = only<IService>(objects, 'Service', serviceName);
    const servicePort = service.spec!.ports!.find((p) => p.port === Number(url.port));
    const auth = deployments.find((d) => selects(service.spec!.selector!, d.spec!.template.metadata!.labels))!;
    const authPorts = auth.spec!.template.spec!.containers.flatMap((c) => c.ports ?? []);
    const containerPort = authPorts.find((p) => p.name === servicePort?.targetPort || p.containerPort === servicePort?.targetPort)!;
    const istiod: PodRef = { namespace: 'istio-system', namespaceLabels: { 'kubernetes.io/metadata.name': 'istio-system' }, labels: { app: 'istiod' } };
    const authPod = {
      namespace: 'gatehouse',
      namespaceLabels: { 'kubernetes.io/metadata.name': 'gatehouse' },
      labels: auth.spec!.template.metadata!.labels!,
      ports: authPorts,
    };
    const policies = objects.filter((o) => o.kind === 'NetworkPolicy') as unknown as INetworkPolicy[];

    expect(url.protocol).toBe('http:');
    expect(url.hostname).toBe(`auth.${service.metadata!.namespace}.svc.cluster.local`);
    expect(servicePort).toBeDefined();
    expect(url.pathname).toBe('/.well-known/jwks.json');
    expect(auth.metadata!.name).toBe('auth');
    expect(admits(policies, istiod, authPod, containerPort.containerPort)).toBe(true);
  });

  it('when the policies pick their workload, then both select the user pods and no other Deployment', () => {
    for (const selector of [requestAuthentication.spec.selector.matchLabels, authorizationPolicy.spec.selector.matchLabels]) {
      expect(Object.keys(selector).length).toBeGreaterThan(0);
      expect(selects(selector, userPodLabels)).toBe(true);
      const others = deployments.filter((d) => d !== userDeployment && selects(selector, d.spec!.template.metadata!.labels));
      expect(others.map((d) => d.metadata!.name)).toEqual([]);
    }
    expect(authorizationPolicy.spec.action ?? 'ALLOW').toBe('ALLOW');
  });

  it('when a request reaches /api/user/* or /api/admin/*, then it needs a verified token, and for /api/admin/* the admin role', () => {
    const [userRule] = rulesFor(authorizationPolicy, '/api/user/*');
    const [adminRule] = rulesFor(authorizationPolicy, '/api/admin/*');

    expect(rulesFor(authorizationPolicy, '/api/user/*')).toHaveLength(1);
    expect(userRule!.from).toEqual([{ source: { requestPrincipals: ['*'] } }]);
    expect(rulesFor(authorizationPolicy, '/api/admin/*')).toHaveLength(1);
    expect(adminRule!.from).toEqual([{ source: { requestPrincipals: ['*'] } }]);
    expect(adminRule!.when).toEqual([{ key: 'request.auth.claims[roles]', values: ['admin'] }]);
  });

  it('when a probe or Prometheus calls the user pods without a token, then only the probed paths and /metrics on the management port are allowed', () => {
    const container = userDeployment.spec!.template.spec!.containers[0]!;
    const probes = [container.startupProbe, container.livenessProbe, container.readinessProbe].map((p) => p!.httpGet!);
    const probePorts = new Set(probes.map((p) => String(container.ports!.find((port) => port.name === p.port)?.containerPort)));
    const unconditional = authorizationPolicy.spec.rules.filter((r) => !r.from && !r.when);
    const operations = unconditional.flatMap((r) => r.to!.map((t) => t.operation));

    expect(operations.every((o) => (o.paths ?? []).length > 0 && (o.ports ?? []).length > 0)).toBe(true);
    expect(operations.flatMap((o) => o.paths!).sort()).toEqual([...new Set([...probes.map((p) => p.path!), '/metrics'])].sort());
    expect(new Set(operations.flatMap((o) => o.ports!))).toEqual(probePorts);
    expect(probePorts).toEqual(new Set(['9090']));
  });

  it('when egress is denied by default, then every Gatehouse sidecar can still reach istiod, and the migrate Jobs get no sidecar', () => {
    const policies = objects.filter((o) => o.kind === 'NetworkPolicy') as unknown as INetworkPolicy[];
    const istiod = { namespace: 'istio-system', namespaceLabels: { 'kubernetes.io/metadata.name': 'istio-system' }, labels: { app: 'istiod' } };
    for (const deployment of deployments) {
      const pod = {
        namespace: 'gatehouse',
        namespaceLabels: { 'kubernetes.io/metadata.name': 'gatehouse' },
        labels: deployment.spec!.template.metadata!.labels!,
      };
      expect([deployment.metadata!.name, letsOut(policies, pod, istiod, 15012)]).toEqual([deployment.metadata!.name, true]);
    }
    const jobs = objects.filter((o) => o.kind === 'Job') as unknown as IJob[];
    expect(jobs).toHaveLength(3);
    for (const job of jobs) expect(job.spec!.template.metadata!.annotations).toMatchObject({ 'sidecar.istio.io/inject': 'false' });
  });

  it('when Prometheus scrapes a pod by its annotations, then Istio leaves them on the management port monitoring is admitted to, instead of merging metrics onto 15020', () => {
    const policies = objects.filter((o) => o.kind === 'NetworkPolicy') as unknown as INetworkPolicy[];
    const prometheus: PodRef = {
      namespace: 'monitoring',
      namespaceLabels: { 'kubernetes.io/metadata.name': 'monitoring' },
      labels: { 'app.kubernetes.io/name': 'prometheus' },
    };
    expect(deployments.map((d) => d.metadata!.name).sort()).toEqual(['auth', 'gateway', 'notification', 'user']);
    for (const deployment of deployments) {
      const annotations = deployment.spec!.template.metadata!.annotations!;
      const ports = deployment.spec!.template.spec!.containers.flatMap((c) => c.ports ?? []);
      const pod = {
        namespace: 'gatehouse',
        namespaceLabels: { 'kubernetes.io/metadata.name': 'gatehouse' },
        labels: deployment.spec!.template.metadata!.labels!,
        ports,
      };
      const scraped = Number(annotations['prometheus.io/port']);

      expect([deployment.metadata!.name, annotations['prometheus.istio.io/merge-metrics']]).toEqual([deployment.metadata!.name, 'false']);
      expect(ports.find((p) => p.containerPort === scraped)?.name).toBe('management');
      expect(admits(policies, prometheus, pod, scraped)).toBe(true);
      expect(admits(policies, prometheus, pod, 15020)).toBe(false);
    }
  });

  it('when the namespace is rendered, then it asks for sidecar injection and keeps its Pod Security level', () => {
    const namespace = only<K8sObject>(objects, 'Namespace');

    expect(namespace.metadata.labels).toMatchObject({ 'istio-injection': 'enabled', 'pod-security.kubernetes.io/enforce': 'restricted' });
  });
});
