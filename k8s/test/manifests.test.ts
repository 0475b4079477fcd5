import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import {
  baseDir,
  clone,
  k8sRoot,
  listYamlFiles,
  loadBaseManifests,
  loadSecretTemplates,
  ofKind,
  overlayDir,
  readKustomization,
  readYamlDocuments,
  resolveKustomizationFiles,
  schemaProblem,
  type K8sObject,
} from './manifests';

const base = loadBaseManifests();
const secretTemplates = loadSecretTemplates();

/** Fails, never skips, without kubectl: `.ci/run` installs it (Debian package `kubectl`). */
function requireKubectl(): void {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
  } catch (error) {
    throw new Error('kubectl is needed to render the overlays: apt-get install kubectl (it ships kustomize)', { cause: error });
  }
}

describe('manifests', () => {
  it('when every YAML file under k8s/ is parsed, then each is valid YAML', () => {
    const files = listYamlFiles(k8sRoot);
    expect(files.length).toBeGreaterThan(5);
    for (const file of files) expect(() => readYamlDocuments(file)).not.toThrow();
  });

  it('when every base object and Secret template is checked against the Kubernetes schema of its kind, then none is rejected', () => {
    const problems = [...base, ...secretTemplates].map((m) => schemaProblem(m.object)).filter(Boolean);
    expect(problems).toEqual([]);
    expect(base.map((m) => m.object.kind)).toEqual(
      expect.arrayContaining(['Namespace', 'ConfigMap', 'Deployment', 'Service', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'Ingress', 'NetworkPolicy']),
    );
  });

  it('when a Deployment loses its selector or gets a string replica count, then the schema check rejects it', () => {
    const deployment = base.find((m) => m.object.kind === 'Deployment')!.object;
    const withoutSelector = clone(deployment) as K8sObject & { spec: Record<string, unknown> };
    delete withoutSelector.spec.selector;
    const stringReplicas = clone(deployment) as K8sObject & { spec: Record<string, unknown> };
    stringReplicas.spec.replicas = 'two';
    expect(schemaProblem(withoutSelector)).toMatch(/selector/);
    expect(schemaProblem(stringReplicas)).toMatch(/replicas/);
    expect(schemaProblem({ ...deployment, kind: 'CronTab' })).toMatch(/no schema/);
  });

  it('when a YAML file is malformed, then parsing it fails instead of yielding nothing', () => {
    expect(parseAllDocuments('a: [1, 2\n')[0]!.errors.length).toBeGreaterThan(0);
  });

  it('when the base kustomization is resolved, then every listed resource exists and every manifest in base/ is listed', () => {
    const { files, problems } = resolveKustomizationFiles(baseDir);
    expect(problems).toEqual([]);
    const onDisk = readdirSync(baseDir).filter((f) => /\.ya?ml$/.test(f) && f !== 'kustomization.yaml');
    expect(files.map((f) => relative(baseDir, f)).sort()).toEqual(onDisk.sort());
  });

  it('when the example overlay is resolved, then it reaches the whole base and its patches exist', () => {
    const { files, problems } = resolveKustomizationFiles(overlayDir);
    expect(problems).toEqual([]);
    expect(files).toEqual(resolveKustomizationFiles(baseDir).files);
  });

  it('when a kustomization lists a missing file, then resolution reports it', () => {
    const broken = join(k8sRoot, 'test', 'fixtures', 'broken-kustomization');
    const { problems } = resolveKustomizationFiles(broken);
    expect(problems).toEqual([expect.stringMatching(/missing\.yaml does not exist/), expect.stringMatching(/patch absent\.patch\.yaml does not exist/)]);
  });

  it('when the overlay renames images, then it renames exactly the images the base Deployments use', () => {
    const baseImages = ofKind<IDeployment>(base, 'Deployment').flatMap((d) => d.spec!.template.spec!.containers.map((c) => c.image));
    const renamed = (readKustomization(overlayDir).images ?? []).map((i) => i.name);
    expect(renamed.sort()).toEqual([...new Set(baseImages)].sort());
  });

  it('when the overlay patches ConfigMaps, then each patched ConfigMap exists in the base', () => {
    const configMaps = new Set(base.filter((m) => m.object.kind === 'ConfigMap').map((m) => m.object.metadata.name));
    const patched = readYamlDocuments(join(overlayDir, 'origins.patch.yaml')) as K8sObject[];
    expect(patched.length).toBeGreaterThan(0);
    for (const patch of patched) expect(configMaps.has(patch.metadata.name)).toBe(true);
  });

  it('when Secret templates are read, then they are not part of any kustomization and hold only placeholders', () => {
    const listed = [...resolveKustomizationFiles(baseDir).files, ...resolveKustomizationFiles(overlayDir).files];
    for (const template of secretTemplates) {
      expect(listed).not.toContain(template.file);
      const values = Object.values((template.object as { stringData?: Record<string, string> }).stringData ?? {});
      expect(values.length).toBeGreaterThan(0);
      for (const value of values) expect(value).toContain('CHANGE_ME');
    }
    expect(base.some((m) => m.object.kind === 'Secret')).toBe(false);
  });

  it('when the base kustomization sets a namespace, then it is the Namespace it creates', () => {
    const namespace = base.find((m) => m.object.kind === 'Namespace')!.object.metadata.name;
    expect(readKustomization(baseDir).namespace).toBe(namespace);
  });

  it('when kubectl renders the example overlay, then every object passes the schema and carries the overlay images', () => {
    requireKubectl();
    const rendered = execFileSync('kubectl', ['kustomize', overlayDir], { encoding: 'utf8' });
    const objects = parseAllDocuments(rendered).map((d) => d.toJS() as K8sObject);
    expect(objects.length).toBe(base.length);
    expect(objects.map(schemaProblem).filter(Boolean)).toEqual([]);
    const images = objects
      .filter((o) => o.kind === 'Deployment')
      .flatMap((o) => (o as unknown as IDeployment).spec!.template.spec!.containers.map((c) => c.image));
    expect(images).toHaveLength(4);
    for (const image of images) expect(image).toMatch(/^registry\.example\.com\/gatehouse\/\w+:1\.0\.0$/);
  });
});
