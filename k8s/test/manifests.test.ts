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
  overlayDirs,
  readKustomization,
  readYamlDocuments,
  render,
  resolveKustomizationFiles,
  schemaProblem,
  type K8sObject,
} from './manifests';
import { strictSchemaProblems } from './strict-schema';

const base = loadBaseManifests();
const secretTemplates = loadSecretTemplates();
const fixtures = join(k8sRoot, 'test', 'fixtures');
const prometheusOperatorFixture = join(fixtures, 'with-prometheus-operator');
/** Everything an operator may apply: the base, every overlay, and each optional component on top of the example. */
const renderable = [baseDir, ...overlayDirs(), prometheusOperatorFixture, join(fixtures, 'with-tracing')];

describe('manifests', () => {
  it('when every YAML file under k8s/ is parsed, then each is valid YAML', () => {
    const files = listYamlFiles(k8sRoot);
    expect(files.length).toBeGreaterThan(5);
    for (const file of files) expect(() => readYamlDocuments(file)).not.toThrow();
  });

  it('when the overlays are listed, then the example and the Istio overlay are among those rendered', () => {
    expect(
      overlayDirs()
        .map((d) => relative(k8sRoot, d))
        .sort(),
    ).toEqual(['overlays/example', 'overlays/istio']);
  });

  it.each(renderable.map((dir) => [relative(k8sRoot, dir), dir] as const))(
    'when kubectl renders %s, then every object passes the strict schema of its kind',
    (_name, dir) => {
      const objects = render(dir);
      expect(objects.length).toBeGreaterThan(30);
      expect(objects.flatMap((o) => strictSchemaProblems(o))).toEqual([]);
    },
  );

  it('when every Secret template is checked against the Kubernetes schema, then none is rejected', () => {
    expect(secretTemplates.map((m) => schemaProblem(m.object)).filter(Boolean)).toEqual([]);
    expect(base.map((m) => m.object.kind)).toEqual(
      expect.arrayContaining([
        'Namespace',
        'ServiceAccount',
        'ConfigMap',
        'Deployment',
        'Job',
        'Service',
        'HorizontalPodAutoscaler',
        'PodDisruptionBudget',
        'Ingress',
        'NetworkPolicy',
      ]),
    );
  });

  it('when a field is misspelled at any depth, then the strict check names it', () => {
    const deployment = clone(ofKind<IDeployment>(base, 'Deployment')[0]!) as IDeployment & Record<string, unknown>;
    const container = deployment.spec!.template.spec!.containers[0]! as unknown as Record<string, unknown> & {
      readinessProbe: { httpGet: Record<string, unknown> };
    };
    container.imagePullPolicyy = 'Always';
    container.readinessProbe.httpGet.prot = 'management';
    (deployment.metadata as Record<string, unknown>).lables = {};
    expect(strictSchemaProblems(deployment as unknown as K8sObject)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/containers\/0: unknown field "imagePullPolicyy"/),
        expect.stringMatching(/readinessProbe\/httpGet: unknown field "prot"/),
        expect.stringMatching(/metadata: unknown field "lables"/),
      ]),
    );
  });

  it('when a kustomization renders a misspelled field (fixture), then the strict check fails it', () => {
    const objects = render(join(fixtures, 'misspelled-field'));
    expect(objects.flatMap((o) => strictSchemaProblems(o))).toEqual([
      expect.stringMatching(/Deployment\/misspelled .*containers\/0: unknown field "imagePullPolicyy"/),
    ]);
  });

  it('when a custom resource has a misspelled field, then its vendored CRD schema fails it too', () => {
    const [serviceMonitor] = render(prometheusOperatorFixture).filter((o) => o.kind === 'ServiceMonitor') as (K8sObject & {
      spec: { endpoints: Record<string, unknown>[] };
    })[];
    serviceMonitor!.spec.endpoints[0]!.intervall = '30s';
    expect(strictSchemaProblems(serviceMonitor!)).toEqual([expect.stringMatching(/endpoints\/0: unknown field "intervall"/)]);
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

  it('when a JSON patch targets a path that does not exist (fixture), then rendering fails instead of passing', () => {
    expect(() => render(join(fixtures, 'broken-json-patch'))).toThrow(/broken-json-patch failed: .*missing path/);
  });

  it('when a YAML file is malformed, then parsing it fails instead of yielding nothing', () => {
    expect(parseAllDocuments('a: [1, 2\n')[0]!.errors.length).toBeGreaterThan(0);
  });

  it('when the base kustomization is resolved, then every listed resource and generator source exists and every manifest in base/ is listed', () => {
    const { files, sources, problems } = resolveKustomizationFiles(baseDir);
    expect(problems).toEqual([]);
    const onDisk = readdirSync(baseDir).filter((f) => /\.ya?ml$/.test(f) && f !== 'kustomization.yaml');
    expect(files.map((f) => relative(baseDir, f)).sort()).toEqual(onDisk.sort());
    const envFiles = readdirSync(join(baseDir, 'config')).map((f) => `config/${f}`);
    expect(sources.map((f) => relative(baseDir, f)).sort()).toEqual(envFiles.sort());
  });

  it('when the example overlay is resolved, then it reaches the whole base and its patches and generator sources exist', () => {
    const { files, problems } = resolveKustomizationFiles(overlayDir);
    expect(problems).toEqual([]);
    expect(files).toEqual(resolveKustomizationFiles(baseDir).files);
  });

  it('when a kustomization lists a missing file, then resolution reports it', () => {
    const { problems } = resolveKustomizationFiles(join(fixtures, 'broken-kustomization'));
    expect(problems).toEqual([expect.stringMatching(/missing\.yaml does not exist/), expect.stringMatching(/patch absent\.patch\.yaml does not exist/)]);
  });

  it('when the overlay renames images, then it renames exactly the images the base Deployments and Jobs use', () => {
    const workloads = base.filter((m) => m.object.kind === 'Deployment' || m.object.kind === 'Job').map((m) => m.object as unknown as IDeployment);
    const baseImages = workloads.flatMap((d) => d.spec!.template.spec!.containers.map((c) => c.image));
    const renamed = (readKustomization(overlayDir).images ?? []).map((i) => i.name);
    expect(renamed.sort()).toEqual([...new Set(baseImages)].sort());
  });

  it('when Secret templates are read, then they are not part of any kustomization and hold only placeholders', () => {
    const listed = [...resolveKustomizationFiles(baseDir).files, ...resolveKustomizationFiles(overlayDir).files];
    for (const template of secretTemplates) {
      expect(listed).not.toContain(template.file);
      const object = template.object as { stringData?: Record<string, string>; data?: Record<string, string> };
      const values = Object.values({ ...object.stringData, ...object.data });
      expect(values.length).toBeGreaterThan(0);
      for (const value of values) expect(value).toContain('CHANGE_ME');
    }
    expect(base.some((m) => m.object.kind === 'Secret')).toBe(false);
    expect(base.some((m) => m.object.metadata.name === 'gatehouse-postgres-ca')).toBe(false);
  });

  it('when the base kustomization sets a namespace, then it is the Namespace it creates and every object lives there', () => {
    const namespace = base.find((m) => m.object.kind === 'Namespace')!.object.metadata.name;
    expect(readKustomization(baseDir).namespace).toBe(namespace);
    for (const { object } of base.filter((m) => m.object.kind !== 'Namespace'))
      expect([object.kind, object.metadata.namespace]).toEqual([object.kind, namespace]);
  });

  it('when kubectl renders the example overlay, then every workload carries the overlay images', () => {
    const objects = render(overlayDir);
    expect(objects.length).toBe(base.length);
    const images = objects
      .filter((o) => o.kind === 'Deployment' || o.kind === 'Job')
      .flatMap((o) => (o as unknown as IDeployment).spec!.template.spec!.containers.map((c) => c.image));
    expect(images).toHaveLength(7);
    for (const image of images) expect(image).toMatch(/^registry\.example\.com\/gatehouse\/\w+:1\.0\.0$/);
  });
});
