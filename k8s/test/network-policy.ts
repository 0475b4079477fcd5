import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import type { INetworkPolicyPeer } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicyPeer';
import type { INetworkPolicyPort } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicyPort';
import type { IContainerPort } from 'kubernetes-models/v1/ContainerPort';

type Labels = Record<string, string>;
interface LabelSelector {
  matchLabels?: Labels;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/** A pod as a policy sees it: its namespace (and that namespace's labels), labels and ports. */
export interface PodRef {
  readonly namespace: string;
  readonly namespaceLabels: Labels;
  readonly labels: Labels;
  readonly ports?: readonly IContainerPort[];
}

/** Something outside the cluster, known to policies only by address. */
export interface ExternalRef {
  readonly ip: string;
}

export type Endpoint = PodRef | ExternalRef;

function isPod(endpoint: Endpoint): endpoint is PodRef {
  return 'labels' in endpoint;
}

function selects(selector: LabelSelector | undefined, labels: Labels): boolean {
  if (!selector) return true;
  const expressionsHold = (selector.matchExpressions ?? []).every(({ key, operator, values = [] }) => {
    if (operator === 'In') return key in labels && values.includes(labels[key]!);
    if (operator === 'NotIn') return !(key in labels) || !values.includes(labels[key]!);
    if (operator === 'Exists') return key in labels;
    if (operator === 'DoesNotExist') return !(key in labels);
    throw new Error(`unknown selector operator ${operator}`);
  });
  return expressionsHold && Object.entries(selector.matchLabels ?? {}).every(([key, value]) => labels[key] === value);
}

function ipv4(address: string): number {
  const parts = address.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) throw new Error(`not an IPv4 address: ${address}`);
  return parts.reduce((value, part) => value * 256 + part, 0);
}

/** Whether an IPv4 address lies in a CIDR block. */
export function inCidr(address: string, cidr: string): boolean {
  const [network = '', bits = '32'] = cidr.split('/');
  const size = 2 ** (32 - Number(bits));
  return Math.floor(ipv4(address) / size) === Math.floor(ipv4(network) / size);
}

/** Whether a peer entry of a rule matches the other end, seen from a pod in `policyNamespace`. */
function peerMatches(peer: INetworkPolicyPeer, other: Endpoint, policyNamespace: string): boolean {
  if (peer.ipBlock) {
    if (isPod(other)) return false;
    return inCidr(other.ip, peer.ipBlock.cidr) && !(peer.ipBlock.except ?? []).some((block) => inCidr(other.ip, block));
  }
  if (!isPod(other)) return false;
  const namespaceOk = peer.namespaceSelector ? selects(peer.namespaceSelector as LabelSelector, other.namespaceLabels) : other.namespace === policyNamespace;
  return namespaceOk && (peer.podSelector ? selects(peer.podSelector as LabelSelector, other.labels) : true);
}

/** Whether a rule's ports admit `port`/`protocol` on the destination (named ports are the destination's). */
function portMatches(ports: readonly INetworkPolicyPort[] | undefined, port: number, protocol: string, destination: Endpoint): boolean {
  if (!ports?.length) return true;
  const named = isPod(destination) ? destination.ports?.find((p) => p.containerPort === port)?.name : undefined;
  return ports.some((p) => {
    if ((p.protocol ?? 'TCP') !== protocol) return false;
    if (p.port === undefined) return true;
    if (typeof p.port === 'string') return p.port === named;
    return p.endPort !== undefined ? port >= p.port && port <= p.endPort : p.port === port;
  });
}

const policyTypes = (policy: INetworkPolicy) => policy.spec?.policyTypes ?? (policy.spec?.egress ? ['Ingress', 'Egress'] : ['Ingress']);

/**
 * Whether the policies (all in the destination's namespace) let `source` open a connection to
 * `destination` on `port`, following the NetworkPolicy semantics: a pod no Ingress policy
 * selects is open; otherwise some rule of a selecting policy must admit it.
 */
export function admits(policies: readonly INetworkPolicy[], source: Endpoint, destination: PodRef, port: number, protocol = 'TCP'): boolean {
  const selecting = policies.filter((p) => policyTypes(p).includes('Ingress') && selects(p.spec?.podSelector as LabelSelector, destination.labels));
  if (selecting.length === 0) return true;
  return selecting.some((policy) =>
    (policy.spec?.ingress ?? []).some(
      (rule) =>
        portMatches(rule.ports, port, protocol, destination) &&
        (!rule.from?.length || rule.from.some((peer) => peerMatches(peer, source, destination.namespace))),
    ),
  );
}

/**
 * Whether the policies (all in the source's namespace) let `source` send to `destination` on
 * `port`: a pod no Egress policy selects may send anywhere; otherwise some egress rule must match.
 */
export function letsOut(policies: readonly INetworkPolicy[], source: PodRef, destination: Endpoint, port: number, protocol = 'TCP'): boolean {
  const selecting = policies.filter((p) => policyTypes(p).includes('Egress') && selects(p.spec?.podSelector as LabelSelector, source.labels));
  if (selecting.length === 0) return true;
  return selecting.some((policy) =>
    (policy.spec?.egress ?? []).some(
      (rule) =>
        portMatches(rule.ports, port, protocol, destination) && (!rule.to?.length || rule.to.some((peer) => peerMatches(peer, destination, source.namespace))),
    ),
  );
}

/** A connection happens only when the source's namespace lets it out and the destination's lets it in. */
export function connects(policies: readonly INetworkPolicy[], source: PodRef, destination: Endpoint, port: number, protocol = 'TCP'): boolean {
  const out = letsOut(
    policies.filter((p) => (p.metadata?.namespace ?? source.namespace) === source.namespace),
    source,
    destination,
    port,
    protocol,
  );
  if (!out || !isPod(destination)) return out;
  return admits(
    policies.filter((p) => (p.metadata?.namespace ?? destination.namespace) === destination.namespace),
    source,
    destination,
    port,
    protocol,
  );
}

/** Every external (ipBlock) egress a pod is allowed, as `cidr:port/protocol`. */
export function externalEgress(policies: readonly INetworkPolicy[], source: PodRef): string[] {
  return policies
    .filter((p) => policyTypes(p).includes('Egress') && selects(p.spec?.podSelector as LabelSelector, source.labels))
    .flatMap((p) => p.spec?.egress ?? [])
    .flatMap((rule) =>
      (rule.to ?? [])
        .filter((peer) => peer.ipBlock)
        .flatMap((peer) => (rule.ports ?? [{}]).map((port) => `${peer.ipBlock!.cidr}:${port.port ?? '*'}/${port.protocol ?? 'TCP'}`)),
    )
    .sort();
}
