import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { IService } from 'kubernetes-models/v1/Service';
import { parseAllDocuments } from 'yaml';
import { k8sRoot, overlayDir, schemaProblem, type K8sObject } from './manifests';
import { admits, type PodRef } from './network-policy';

const istioOverlayDir = join(k8sRoot, 'overlays', 'istio');
/** The kinds kubernetes-models has no schema for: checked field by field below instead. */
const istioKinds = ['RequestAuthentication', 'AuthorizationPolicy'];

type Labels = Record<string, string>;
interface RequestAuthentication extends K8sObject {
  spec: { selector: { matchLabels: Labels }; jwtRules: { issuer: string; audiences: string[]; jwksUri: string; forwardOriginalToken?: boolean }[] };
}
interface AuthorizationRule {
  from?: { source: { requestPrincipals?: string[] } }[];
  to?: { operation: { paths?: string[]; methods?: string[] } }[];
  when?: { key: string; values: string[] }[];
}
interface AuthorizationPolicy extends K8sObject {
  spec: { selector: { matchLabels: Labels }; action?: string; rules: AuthorizationRule[] };
}

/** Fails, never skips, without kubectl: `.ci/run` installs it (Debian package `kubectl`). */
function render(dir: string): K8sObject[] {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
  } catch (error) {
    throw new Error('kubectl is needed to render the overlays: apt-get install kubectl (it ships kustomize)', { cause: error });
  }
  return parseAllDocuments(execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8' })).map((d) => d.toJS() as K8sObject);
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
const common = only<IConfigMap>(objects, 'ConfigMap', 'gatehouse-common').data!;
const requestAuthentication = only<RequestAuthentication>(objects, 'RequestAuthentication');
const authorizationPolicy = only<AuthorizationPolicy>(objects, 'AuthorizationPolicy');
const deployments = objects.filter((o) => o.kind === 'Deployment') as unknown as IDeployment[];
const userDeployment = deployments.find((d) => d.metadata!.name === 'user')!;
const userPodLabels = userDeployment.spec!.template.metadata!.labels!;

describe('istio overlay', () => {
  it('when kubectl renders it, then it adds to the example overlay only Istio policies and a NetworkPolicy, and every Kubernetes object passes the schema', () => {
    const example = render(overlayDir);
    const istio = objects.filter((o) => istioKinds.includes(o.kind));
    const kubernetes = objects.filter((o) => !istioKinds.includes(o.kind));

    expect(kubernetes.map(schemaProblem).filter(Boolean)).toEqual([]);
    expect(istio.map((o) => `${o.apiVersion}/${o.kind}`).sort()).toEqual(['security.istio.io/v1/AuthorizationPolicy', 'security.istio.io/v1/RequestAuthentication']);
    expect(kubernetes.length).toBe(example.length + 1);
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
    const authPod = { namespace: 'gatehouse', namespaceLabels: { 'kubernetes.io/metadata.name': 'gatehouse' }, labels: auth.spec!.template.metadata!.labels!, ports: authPorts };
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

  it('when a probe or Prometheus calls the user pods without a token, then the paths the Deployment probes and /metrics are allowed, and nothing else', () => {
    const container = userDeployment.spec!.template.spec!.containers[0]!;
    const probePaths = [container.startupProbe, container.livenessProbe, container.readinessProbe].map((p) => p!.httpGet!.path!);
    const unconditional = authorizationPolicy.spec.rules.filter((r) => !r.from && !r.when);
    const openPaths = unconditional.flatMap((r) => r.to!.flatMap((t) => t.operation.paths ?? []));

    expect(unconditional.every((r) => r.to?.every((t) => (t.operation.paths ?? []).length > 0))).toBe(true);
    expect(openPaths.sort()).toEqual([...new Set([...probePaths, '/metrics'])].sort());
  });

  it('when the namespace is rendered, then it asks for sidecar injection and keeps its Pod Security level', () => {
    const namespace = only<K8sObject>(objects, 'Namespace');

    expect(namespace.metadata.labels).toMatchObject({ 'istio-injection': 'enabled', 'pod-security.kubernetes.io/enforce': 'restricted' });
  });
});
