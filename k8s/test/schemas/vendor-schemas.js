#!/usr/bin/env node
// Rewrites the vendored schemas the k8s tests validate against (see README.md beside this file):
//   node k8s/test/schemas/vendor-schemas.js <swagger.json> <servicemonitors CRD.yaml> <prometheusrules CRD.yaml> <istio CRDs.yaml>
// Only the definitions our kinds reach are kept, without descriptions, so a review reads them.
const { readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { parseAllDocuments } = require('yaml');

/** The built-in kinds the manifests may use; add one here, then run this script again. */
const kubernetesKinds = [
  ['', 'v1', 'Namespace'],
  ['', 'v1', 'ConfigMap'],
  ['', 'v1', 'Secret'],
  ['', 'v1', 'Service'],
  ['', 'v1', 'ServiceAccount'],
  ['apps', 'v1', 'Deployment'],
  ['batch', 'v1', 'Job'],
  ['autoscaling', 'v2', 'HorizontalPodAutoscaler'],
  ['policy', 'v1', 'PodDisruptionBudget'],
  ['networking.k8s.io', 'v1', 'Ingress'],
  ['networking.k8s.io', 'v1', 'NetworkPolicy'],
];
const customKinds = [
  ['monitoring.coreos.com', 'v1', 'ServiceMonitor'],
  ['monitoring.coreos.com', 'v1', 'PrometheusRule'],
  ['security.istio.io', 'v1', 'AuthorizationPolicy'],
  ['security.istio.io', 'v1', 'RequestAuthentication'],
];

function withoutDescriptions(node) {
  if (Array.isArray(node)) return node.map(withoutDescriptions);
  if (!node || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key]) => key !== 'description')
      .map(([key, value]) => [key, withoutDescriptions(value)]),
  );
}

function references(node, found = new Set()) {
  if (Array.isArray(node)) node.forEach((n) => references(n, found));
  else if (node && typeof node === 'object') {
    if (typeof node.$ref === 'string') found.add(node.$ref.replace('#/definitions/', ''));
    Object.values(node).forEach((n) => references(n, found));
  }
  return found;
}

function kubernetesDefinitions(swagger) {
  const all = swagger.definitions;
  const roots = kubernetesKinds.map(([group, version, kind]) => {
    const name = Object.keys(all).find((key) =>
      (all[key]['x-kubernetes-group-version-kind'] ?? []).some((gvk) => gvk.group === group && gvk.version === version && gvk.kind === kind),
    );
    if (!name) throw new Error(`no definition for ${group}/${version}/${kind}`);
    return name;
  });
  const kept = new Set();
  const queue = [...roots];
  while (queue.length > 0) {
    const name = queue.pop();
    if (kept.has(name)) continue;
    kept.add(name);
    queue.push(...references(all[name]));
  }
  return Object.fromEntries([...kept].sort().map((name) => [name, withoutDescriptions(all[name])]));
}

function crdSchemas(files) {
  const schemas = {};
  for (const file of files) {
    for (const document of parseAllDocuments(readFileSync(file, 'utf8'))) {
      const crd = document.toJS();
      if (crd?.kind !== 'CustomResourceDefinition') continue;
      for (const version of crd.spec.versions) {
        const wanted = customKinds.some(([group, v, kind]) => group === crd.spec.group && v === version.name && kind === crd.spec.names.kind);
        if (wanted) schemas[`${crd.spec.group}/${version.name}/${crd.spec.names.kind}`] = withoutDescriptions(version.schema.openAPIV3Schema);
      }
    }
  }
  for (const [group, version, kind] of customKinds) {
    if (!schemas[`${group}/${version}/${kind}`]) throw new Error(`no CRD schema for ${group}/${version}/${kind}`);
  }
  return schemas;
}

const [swaggerFile, ...crdFiles] = process.argv.slice(2);
if (!swaggerFile || crdFiles.length === 0) {
  console.error('usage: vendor-schemas.js <kubernetes swagger.json> <CRD yaml>...');
  process.exit(2);
}
const swagger = JSON.parse(readFileSync(swaggerFile, 'utf8'));
writeFileSync(join(__dirname, 'kubernetes-definitions.json'), `${JSON.stringify(kubernetesDefinitions(swagger), null, 1)}\n`);
writeFileSync(join(__dirname, 'custom-resources.json'), `${JSON.stringify(crdSchemas(crdFiles), null, 1)}\n`);
