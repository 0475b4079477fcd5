import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { ISecret } from 'kubernetes-models/v1/Secret';
import type { Manifest } from './manifests';

export interface ResolvedEnv {
  readonly env: Record<string, string>;
  readonly problems: string[];
}

/** Name → data of every ConfigMap and Secret (placeholders for Secrets: the templates). */
export function dataSources(manifests: readonly Manifest[]): Map<string, Record<string, string>> {
  const sources = new Map<string, Record<string, string>>();
  for (const { object } of manifests) {
    if (object.kind === 'ConfigMap') sources.set(`ConfigMap/${object.metadata.name}`, { ...((object as IConfigMap).data ?? {}) });
    if (object.kind === 'Secret') {
      const secret = object as ISecret;
      const decoded = Object.fromEntries(Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
      sources.set(`Secret/${object.metadata.name}`, { ...decoded, ...(secret.stringData ?? {}) });
    }
  }
  return sources;
}

/**
 * The environment a container starts with, as the kubelet would assemble it: envFrom in
 * order, then env. A reference to a missing ConfigMap, Secret or key is a problem.
 */
export function containerEnv(container: IContainer, sources: Map<string, Record<string, string>>): ResolvedEnv {
  const env: Record<string, string> = {};
  const problems: string[] = [];
  for (const from of container.envFrom ?? []) {
    const ref = from.configMapRef ? `ConfigMap/${from.configMapRef.name}` : from.secretRef ? `Secret/${from.secretRef.name}` : undefined;
    const optional = from.configMapRef?.optional ?? from.secretRef?.optional ?? false;
    const data = ref ? sources.get(ref) : undefined;
    if (!data) {
      if (!optional) problems.push(`${container.name}: envFrom ${ref ?? '(empty)'} does not exist`);
      continue;
    }
    for (const [key, value] of Object.entries(data)) env[`${from.prefix ?? ''}${key}`] = value;
  }
  for (const variable of container.env ?? []) {
    if (variable.value !== undefined) {
      env[variable.name] = variable.value;
      continue;
    }
    const keyRef = variable.valueFrom?.configMapKeyRef ?? variable.valueFrom?.secretKeyRef;
    if (!keyRef) continue;
    const kind = variable.valueFrom?.configMapKeyRef ? 'ConfigMap' : 'Secret';
    const value = sources.get(`${kind}/${keyRef.name}`)?.[keyRef.key];
    if (value === undefined) {
      if (!keyRef.optional) problems.push(`${container.name}: ${variable.name} refers to missing ${kind}/${keyRef.name} key ${keyRef.key}`);
    } else env[variable.name] = value;
  }
  return { env, problems };
}
