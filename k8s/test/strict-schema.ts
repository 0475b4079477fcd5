import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';

type Schema = Record<string, unknown>;

const schemasDir = join(__dirname, 'schemas');

function readJson(file: string): Record<string, Schema> {
  return JSON.parse(readFileSync(join(schemasDir, file), 'utf8')) as Record<string, Schema>;
}

/**
 * The API server's strict field validation (kubectl's default) refuses a field the schema does
 * not declare; the OpenAPI documents leave that implicit. Closing every object that lists its
 * properties makes a misspelled field an error here too. Maps (labels, data) declare
 * `additionalProperties` themselves and stay open, as do CRD fields marked to keep unknown ones.
 */
function closed(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(closed);
  if (node === null || typeof node !== 'object') return node;
  const schema = node as Schema;
  const copy: Schema = {};
  for (const [key, value] of Object.entries(schema)) {
    const isSchemaMap = key === 'properties' || key === 'patternProperties' || key === 'definitions';
    copy[key] = isSchemaMap ? Object.fromEntries(Object.entries(value as Schema).map(([k, v]) => [k, closed(v)])) : closed(value);
  }
  if (copy.properties && copy.additionalProperties === undefined && !copy['x-kubernetes-preserve-unknown-fields']) copy.additionalProperties = false;
  // Kubernetes accepts either form where its schema says int-or-string.
  if (copy['x-kubernetes-int-or-string'] === true || copy.format === 'int-or-string') {
    delete copy.type;
    delete copy.format;
    copy.anyOf = [{ type: 'integer' }, { type: 'string' }];
  }
  return copy;
}

/** Quantities (`cpu: 2`, `memory: 256Mi`) are strings in the schema, and numbers in YAML too. */
const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';

function kubernetesSchema(): { definitions: Record<string, Schema>; kinds: Map<string, string> } {
  const definitions = closed(readJson('kubernetes-definitions.json')) as Record<string, Schema>;
  definitions[QUANTITY] = { anyOf: [{ type: 'string' }, { type: 'number' }] };
  const kinds = new Map<string, string>();
  for (const [name, definition] of Object.entries(definitions)) {
    for (const gvk of (definition['x-kubernetes-group-version-kind'] ?? []) as { group: string; version: string; kind: string }[]) {
      kinds.set(`${gvk.group ? `${gvk.group}/` : ''}${gvk.version}/${gvk.kind}`, name);
    }
  }
  return { definitions, kinds };
}

/**
 * CRD patterns are Go (RE2) regular expressions, which the API server applies. The one RE2-only
 * construct in the vendored schemas is a leading `(?i)` (PrometheusRule's
 * partial_response_strategy), which JavaScript writes as the `i` flag.
 */
const goRegExp = Object.assign(
  (pattern: string, flags: string) => {
    const caseless = pattern.replace(/^(\^?)\(\?i\)/, '$1');
    return new RegExp(caseless, caseless === pattern ? flags : `${flags}i`);
  },
  { code: 'new RegExp' },
);

function createAjv(): Ajv {
  // strict: false lets the x-kubernetes-* annotations through as the data they are.
  const ajv = new Ajv({ allErrors: true, strict: false, code: { regExp: goRegExp } });
  ajv.addFormat('int32', { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 });
  for (const format of ['int64', 'double', 'byte', 'date-time', 'duration', 'uri', 'email', 'hostname']) ajv.addFormat(format, true);
  return ajv;
}

/** The API server supplies apiVersion, kind and metadata to every CRD; some schemas omit them. */
function withTypeMeta(schema: Schema): Schema {
  const properties = { apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { type: 'object' }, ...(schema.properties as Schema) };
  return { ...schema, properties };
}

function compileAll(): Map<string, ValidateFunction> {
  const ajv = createAjv();
  const { definitions, kinds } = kubernetesSchema();
  ajv.addSchema({ $id: 'kubernetes', definitions });
  const validators = new Map<string, ValidateFunction>();
  for (const [apiKind, name] of kinds) validators.set(apiKind, ajv.compile({ $ref: `kubernetes#/definitions/${name}` }));
  for (const [apiKind, schema] of Object.entries(readJson('custom-resources.json')))
    validators.set(apiKind, ajv.compile(closed(withTypeMeta(schema)) as Schema));
  return validators;
}

let validators: Map<string, ValidateFunction> | undefined;

function describe(error: ErrorObject): string {
  const where = error.instancePath || '/';
  if (error.keyword === 'additionalProperties') return `${where}: unknown field "${(error.params as { additionalProperty: string }).additionalProperty}"`;
  return `${where}: ${error.message}`;
}

/** Whether these tests hold a schema for `apiVersion/kind`. */
export function hasStrictSchema(apiVersion: string, kind: string): boolean {
  validators ??= compileAll();
  return validators.has(`${apiVersion}/${kind}`);
}

/**
 * Problems of an object against the vendored Kubernetes 1.36 OpenAPI definitions (or a vendored
 * CRD schema), with unknown fields rejected; an empty list when it passes.
 */
export function strictSchemaProblems(object: { apiVersion?: unknown; kind?: unknown; metadata?: { name?: string } }): string[] {
  validators ??= compileAll();
  const key = `${String(object.apiVersion)}/${String(object.kind)}`;
  const validate = validators.get(key);
  if (!validate) return [`${key} has no schema in these tests`];
  const name = `${String(object.kind)}/${object.metadata?.name ?? '?'}`;
  if (validate(object)) return [];
  // anyOf branches repeat one another's failures; the unknown-field and type errors say it all.
  const errors = (validate.errors ?? []).filter((e) => e.keyword !== 'anyOf');
  return [...new Set(errors.map((e) => `${name} ${describe(e)}`))];
}
