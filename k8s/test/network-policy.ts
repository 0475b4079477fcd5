import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import type { IContainerPort } from 'kubernetes-models/v1/ContainerPort';

type Labels = Record<string, string>;
interface LabelSelector {
  matchLabels?: Labels;
  matchExpressions?: unknown[];
}

export interface PodRef {
  readonly namespace: string;
  readonly namespaceLabels: Labels;
  readonly labels: Labels;
}

function selects(selector: LabelSelector | undefined, labels: Labels): boolean {
  if (!selector) return true;
  if (selector.matchExpressions?.length) throw new Error('matchExpressions are not modelled by these tests');
  return Object.entries(selector.matchLabels ?? {}).every(([key, value]) => labels[key] === value);
}

/**
 * Whether the policies (all in the destination's namespace) let `source` open a TCP
 * connection to `destination` on `port`, following the NetworkPolicy semantics: a pod no
 * Ingress policy selects is open; otherwise some rule of a selecting policy must admit it.
 */
export function admits(policies: readonly INetworkPolicy[], source: PodRef, destination: PodRef & { ports: readonly IContainerPort[] }, port: number): boolean {
  const selecting = policies.filter(
    (p) => (p.spec?.policyTypes ?? ['Ingress']).includes('Ingress') && selects(p.spec?.podSelector as LabelSelector, destination.labels),
  );
  if (selecting.length === 0) return true;
  const containerPort = destination.ports.find((p) => p.containerPort === port);
  return selecting.some((policy) =>
    (policy.spec?.ingress ?? []).some((rule) => {
      const portAllowed =
        !rule.ports?.length ||
        rule.ports.some((p) => p.port === undefined || p.port === port || (typeof p.port === 'string' && p.port === containerPort?.name));
      const peerAllowed =
        !rule.from?.length ||
        rule.from.some((peer) => {
          if (peer.ipBlock) return false;
          const namespaceOk = peer.namespaceSelector
            ? selects(peer.namespaceSelector as LabelSelector, source.namespaceLabels)
            : source.namespace === destination.namespace;
          return namespaceOk && (peer.podSelector ? selects(peer.podSelector as LabelSelector, source.labels) : true);
        });
      return portAllowed && peerAllowed;
    }),
  );
}
