import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';

export const repoRoot = resolve(__dirname, '..', '..');
export const k8sRoot = join(repoRoot, 'k8s');
export const baseDir = join(k8sRoot, 'base');
export const overlayDir = join(k8sRoot, 'overlays', 'example');
export const secretTemplatesDir = join(k8sRoot, 'secrets');

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

/** A parsed YAML document and the file it came from, for error messages. */
export interface Manifest {
  readonly file: string;
  readonly object: K8sObject;
}

/** Every non-empty document of a (multi-document) YAML file; YAML errors throw. */
export function readYamlDocuments(file: string): unknown[] {
  const documents = parseAllDocuments(readFileSync(file, 'utf8'));
  for (const document of documents) {
    if (document.errors.length > 0) throw new Error(`${file}: ${document.errors.map((e) => e.message).join('; ')}`);
  }
  return documents.map((d) => d.toJS() as unknown).filter((d) => d !== null && d !== undefined);
}

export function readYaml(file: string): unknown {
  return parse(readFileSync(file, 'utf8'), { merge: true });
}

export function listYamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return listYamlFiles(path);
    return /\.ya?ml$/.test(entry) ? [path] : [];
  });
}

export interface Kustomization {
  resources?: string[];
  patches?: { path?: string; patch?: string }[];
  images?: { name: string; newName?: string; newTag?: string }[];
  namespace?: string;
}

export function readKustomization(dir: string): Kustomization {
  return readYaml(join(dir, 'kustomization.yaml')) as Kustomization;
}

/**
 * The manifest files a kustomization pulls in, following directory resources into their own
 * kustomizations. Missing files and directories without a kustomization are problems.
 */
export function resolveKustomizationFiles(dir: string): { files: string[]; problems: string[] } {
  const files: string[] = [];
  const problems: string[] = [];
  const kustomization = readKustomization(dir);
  for (const resource of kustomization.resources ?? []) {
    const path = resolve(dir, resource);
    if (!existsSync(path)) problems.push(`${dir}: resource ${resource} does not exist`);
    else if (statSync(path).isDirectory()) {
      if (!existsSync(join(path, 'kustomization.yaml'))) problems.push(`${dir}: ${resource} has no kustomization.yaml`);
      else {
        const nested = resolveKustomizationFiles(path);
        files.push(...nested.files);
        problems.push(...nested.problems);
      }
    } else files.push(path);
  }
  for (const patch of kustomization.patches ?? []) {
    if (patch.path !== undefined && !existsSync(resolve(dir, patch.path))) problems.push(`${dir}: patch ${patch.path} does not exist`);
  }
  return { files, problems };
}

function toManifests(file: string): Manifest[] {
  return readYamlDocuments(file).map((object) => ({ file, object: object as K8sObject }));
}

/** Every object `kubectl apply -k k8s/base` would create. */
export function loadBaseManifests(): Manifest[] {
  return resolveKustomizationFiles(baseDir).files.flatMap(toManifests);
}

/** The Secret templates operators copy; never part of a kustomization. */
export function loadSecretTemplates(): Manifest[] {
  return listYamlFiles(secretTemplatesDir).flatMap(toManifests);
}

const models: Record<string, { new (data: never): { validate(): void } }> = {
  'v1/Namespace': Namespace,
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'networking.k8s.io/v1/Ingress': Ingress,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
};

/** Validates an object against the Kubernetes OpenAPI schema of its kind; returns the problem, if any. */
export function schemaProblem(object: K8sObject): string | undefined {
  const Model = models[`${object.apiVersion}/${object.kind}`];
  if (!Model) return `${object.apiVersion}/${object.kind} has no schema in these tests`;
  try {
    new Model(object as never).validate();
    return undefined;
  } catch (error) {
    return `${object.kind}/${object.metadata?.name}: ${(error as Error).message}`;
  }
}

export function ofKind<T>(manifests: readonly Manifest[], kind: string): T[] {
  return manifests.filter((m) => m.object.kind === kind).map((m) => m.object as unknown as T);
}

export function clone<T>(value: T): T {
  return structuredClone(value);
}
