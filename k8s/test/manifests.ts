import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { strictSchemaProblems } from './strict-schema';

export const repoRoot = resolve(__dirname, '..', '..');
export const k8sRoot = join(repoRoot, 'k8s');
export const baseDir = join(k8sRoot, 'base');
export const overlaysRoot = join(k8sRoot, 'overlays');
export const overlayDir = join(overlaysRoot, 'example');
export const istioOverlayDir = join(overlaysRoot, 'istio');
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
  components?: string[];
  patches?: { path?: string; patch?: string }[];
  images?: { name: string; newName?: string; newTag?: string }[];
  namespace?: string;
  configMapGenerator?: { name: string; behavior?: string; envs?: string[]; files?: string[] }[];
}

export function readKustomization(dir: string): Kustomization {
  return readYaml(join(dir, 'kustomization.yaml')) as Kustomization;
}

/**
 * The manifest files a kustomization pulls in, following directory resources and components
 * into their own kustomizations. Missing files (resources, patches, generator sources) and
 * directories without a kustomization are problems. `sources` are the generators' env files.
 */
export function resolveKustomizationFiles(dir: string): { files: string[]; sources: string[]; problems: string[] } {
  const files: string[] = [];
  const sources: string[] = [];
  const problems: string[] = [];
  const kustomization = readKustomization(dir);
  for (const resource of [...(kustomization.resources ?? []), ...(kustomization.components ?? [])]) {
    const path = resolve(dir, resource);
    if (!existsSync(path)) problems.push(`${dir}: resource ${resource} does not exist`);
    else if (statSync(path).isDirectory()) {
      if (!existsSync(join(path, 'kustomization.yaml'))) problems.push(`${dir}: ${resource} has no kustomization.yaml`);
      else {
        const nested = resolveKustomizationFiles(path);
        files.push(...nested.files);
        sources.push(...nested.sources);
        problems.push(...nested.problems);
      }
    } else files.push(path);
  }
  for (const patch of kustomization.patches ?? []) {
    if (patch.path !== undefined && !existsSync(resolve(dir, patch.path))) problems.push(`${dir}: patch ${patch.path} does not exist`);
  }
  for (const generator of kustomization.configMapGenerator ?? []) {
    for (const source of [...(generator.envs ?? []), ...(generator.files ?? [])]) {
      const path = resolve(dir, source.replace(/^[^=]*=/, ''));
      if (existsSync(path)) sources.push(path);
      else problems.push(`${dir}: generator source ${source} does not exist`);
    }
  }
  return { files, sources, problems };
}

/** Every overlay under k8s/overlays: each is rendered and checked. */
export function overlayDirs(): string[] {
  return readdirSync(overlaysRoot)
    .map((entry) => join(overlaysRoot, entry))
    .filter((path) => existsSync(join(path, 'kustomization.yaml')));
}

/** Fails, never skips, without kubectl: `.ci/run` installs it (Debian package `kubectl`). */
function requireKubectl(): void {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
  } catch (error) {
    throw new Error('kubectl is needed to render the kustomizations: apt-get install kubectl (it ships kustomize)', { cause: error });
  }
}

const rendered = new Map<string, K8sObject[]>();

/**
 * The objects `kubectl apply -k dir` would send, as `kubectl kustomize` renders them (generated
 * names, patches, replacements and all). A kustomization kustomize refuses throws its message.
 */
export function render(dir: string): K8sObject[] {
  const cached = rendered.get(dir);
  if (cached) return structuredClone(cached);
  requireKubectl();
  let output: string;
  try {
    output = execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? '').trim();
    throw new Error(`kubectl kustomize ${relative(repoRoot, dir)} failed: ${stderr}`, { cause: error });
  }
  const documents = parseAllDocuments(output);
  const objects = documents.map((d) => d.toJS() as K8sObject).filter(Boolean);
  rendered.set(dir, objects);
  return structuredClone(objects);
}

function toManifests(file: string): Manifest[] {
  return readYamlDocuments(file).map((object) => ({ file, object: object as K8sObject }));
}

/** Every object `kubectl apply -k <dir>` would create (default: the base). */
export function loadBaseManifests(dir: string = baseDir): Manifest[] {
  const file = relative(repoRoot, dir);
  return render(dir).map((object) => ({ file, object }));
}

/** The Secret templates operators copy; never part of a kustomization. */
export function loadSecretTemplates(): Manifest[] {
  return listYamlFiles(secretTemplatesDir).flatMap(toManifests);
}

/**
 * Validates an object strictly against the schema of its kind (unknown fields fail); returns
 * the problems joined, if any.
 */
export function schemaProblem(object: K8sObject): string | undefined {
  const problems = strictSchemaProblems(object);
  return problems.length > 0 ? problems.join('; ') : undefined;
}

/** The name a generated ConfigMap had before kustomize appended its content hash. */
export function baseName(name: string): string {
  return name.replace(/-[a-z0-9]{10}$/, '');
}

export function ofKind<T>(manifests: readonly Manifest[], kind: string): T[] {
  return manifests.filter((m) => m.object.kind === kind).map((m) => m.object as unknown as T);
}

export function clone<T>(value: T): T {
  return structuredClone(value);
}
