import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { parse } from 'yaml';
import { startSystem, type System } from './system';

interface Operation {
  tags?: string[];
  responses: Record<string, { $ref?: string; content?: Record<string, { schema?: Schema }> }>;
}
interface Schema {
  $ref?: string;
  required?: string[];
}
interface Spec {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema>; responses: Record<string, { content?: Record<string, { schema?: Schema }> }> };
}

const spec = parse(readFileSync(join(__dirname, '..', '..', 'openapi.yaml'), 'utf8')) as Spec;
const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

let system: System;
let adminToken: string;
beforeAll(async () => {
  system = await startSystem('openapi');
  const login = await fetch(`${system.gateway.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: system.admin.email, password: system.admin.password }),
  });
  adminToken = ((await login.json()) as { accessToken: string }).accessToken;
}, 60_000);
afterAll(async () => {
  await system?.stop();
});

/** A request that exercises each documented operation's happy path where one exists. */
function exampleRequest(path: string, method: string): { path: string; body?: unknown; headers?: Record<string, string> } {
  const concrete = path.replace('{id}', randomUUID());
  const examples: Record<string, { body?: unknown; headers?: Record<string, string> }> = {
    'post /api/auth/register': { body: { email: `openapi.${randomUUID()}@example.com`, password: 'an openapi passphrase' } },
    'post /api/auth/login': { body: { email: system.admin.email, password: system.admin.password } },
    'post /api/auth/refresh': { headers: { 'x-csrf-token': 'x' } },
    'put /api/user/profile': { body: { name: 'Spec Checker' } },
  };
  return { path: concrete, ...examples[`${method} ${path}`] };
}

function schemaOf(operation: Operation, status: string): Schema | undefined {
  const response = operation.responses[status];
  const resolved = response?.$ref ? spec.components.responses[response.$ref.split('/').pop()!] : response;
  const content = resolved?.content && Object.values(resolved.content)[0];
  const schema = content?.schema;
  return schema?.$ref ? spec.components.schemas[schema.$ref.split('/').pop()!] : schema;
}

const operations = Object.entries(spec.paths).flatMap(([path, item]) =>
  Object.entries(item).filter(([method]) => METHODS.includes(method)).map(([method, operation]) => [path, method, operation] as const),
);

describe('openapi.yaml against the running system', () => {
  it('is OpenAPI 3.1 and documents every public route family', () => {
    expect(spec.openapi).toBe('3.1.0');
    expect(Object.keys(spec.paths)).toEqual(expect.arrayContaining(['/api/auth/login', '/api/user/profile', '/api/admin/users', '/.well-known/jwks.json']));
  });

  it.each(operations)('%s %s answers with a documented status and shape', async (path, method, operation) => {
    const request = exampleRequest(path, method);
    const response = await fetch(`${system.gateway.url}${request.path}`, {
      method: method.toUpperCase(),
      headers: {
        authorization: `Bearer ${adminToken}`,
        ...(request.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...request.headers,
      },
      body: request.body === undefined ? undefined : JSON.stringify(request.body),
    });
    const status = String(response.status);
    expect(Object.keys(operation.responses)).toContain(status);
    const text = await response.text();
    expect(text).not.toContain('"code":"not_found","detail":"No route');
    const schema = schemaOf(operation, status);
    if (response.status < 300 && schema?.required && text) {
      const body = JSON.parse(text) as Record<string, unknown>;
      for (const field of schema.required) expect(body).toHaveProperty(field);
    }
  });

  it.each(operations.filter(([, , op]) => !op.tags?.includes('operations')).map(([path]) => path).filter((p, i, all) => all.indexOf(p) === i))(
    '%s refuses undocumented methods with 405',
    async (path) => {
      const documented = Object.keys(spec.paths[path]!);
      for (const method of METHODS.filter((m) => !documented.includes(m))) {
        const response = await fetch(`${system.gateway.url}${path.replace('{id}', randomUUID())}`, {
          method: method.toUpperCase(),
          headers: { authorization: `Bearer ${adminToken}` },
        });
        expect({ method, status: response.status }).toEqual({ method, status: 405 });
      }
    },
  );
});
