import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectionBudget, connectionDemand } from './connection-budget';
import type { IJob } from 'kubernetes-models/batch/v1/Job';
import { k8sRoot, loadBaseManifests, loadSecretTemplates, overlayDir, render, repoRoot } from './manifests';
import { deployedService } from './service-catalog';

const runbook = readFileSync(join(k8sRoot, 'README.md'), 'utf8');
const headings = [...runbook.matchAll(/^## (.+)$/gm)].map((m) => m[1]);

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to dashes. */
function anchor(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\w\s-]/g, '')
    .replace(/\s/g, '-');
}

describe('k8s/README.md runbook', () => {
  it('when an operator looks for a task, then the runbook has a section for it', () => {
    expect(headings).toEqual(
      expect.arrayContaining([
        'Deploy',
        'Migrations: expand, then contract',
        'Scale',
        'Connection budget',
        'TLS to PostgreSQL',
        'Management port and monitoring',
        'What Redis holds',
        'Rotate the signing key',
        'Back up and restore PostgreSQL',
        'Alerts',
        'Tracing',
      ]),
    );
  });

  it('when it sends the reader to the main README for key rotation, then that section exists there', () => {
    const readmeHeadings = [...readFileSync(join(repoRoot, 'README.md'), 'utf8').matchAll(/^#+ (.+)$/gm)].map((m) => anchor(m[1]!));
    const links = [...runbook.matchAll(/\.\.\/README\.md#([\w-]+)/g)].map((m) => m[1]);
    expect(links).toContain('rotating-signing-keys-kubernetes');
    for (const link of links) expect(readmeHeadings).toContain(link);
  });

  it('when it states the connection budget and its total, then both are what the manifests give', () => {
    const manifests = loadBaseManifests();
    const demand = connectionDemand(
      manifests,
      (name, env) => (deployedService(name).load(env) as { DATABASE_POOL_SIZE: number }).DATABASE_POOL_SIZE,
      loadSecretTemplates(),
    );
    const total = demand.reduce((sum, d) => sum + d.connections, 0);
    expect(runbook).toContain(`gatehouse/postgres-connection-budget: "${connectionBudget(manifests)}"`);
    expect(runbook).toMatch(new RegExp(`\\| \\*\\*total\\*\\* \\| +\\| +\\| \\*\\*${total}\\*\\* \\|`));
  });

  it('when it sets up a database, then the DDL role of the migrate Secret owns the database and its schema public, so revoking CREATE from PUBLIC holds', () => {
    const migrate = loadSecretTemplates().find((m) => m.object.metadata.name === 'gatehouse-auth-migrate')!.object as unknown as {
      stringData: { DATABASE_URL: string };
    };
    const owner = new URL(migrate.stringData.DATABASE_URL).username;
    const sql = /```sql\n([\s\S]*?)```/.exec(runbook.slice(runbook.indexOf('## Deploy')))![1]!;

    expect(sql).toContain(`CREATE DATABASE gatehouse_auth OWNER ${owner};`);
    expect(sql).toMatch(new RegExp(String.raw`\\connect gatehouse_auth\s+ALTER SCHEMA public OWNER TO ${owner};`));
  });

  it('when the first deploy creates the Secrets, then the namespace they go into is applied before them, from the overlay', () => {
    const deploy = runbook.slice(runbook.indexOf('## Deploy'), runbook.indexOf('## Migrations'));
    const namespaceStep = /^ *kubectl apply -k (\S+) -l app\.kubernetes\.io\/component=namespace$/m.exec(deploy);
    const secretsStep = deploy.indexOf('secrets/*.template.yaml');

    expect(namespaceStep).not.toBeNull();
    expect(secretsStep).toBeGreaterThan(namespaceStep!.index);
    const applied = render(join(repoRoot, namespaceStep![1]!)).filter((o) => o.metadata.labels?.['app.kubernetes.io/component'] === 'namespace');
    expect(applied.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['Namespace/gatehouse']);
    expect([...new Set(loadSecretTemplates().map((m) => m.object.metadata.namespace))]).toEqual(['gatehouse']);
  });

  it('when it lists the deploy steps, then the migrate Jobs and everything they refer to are applied and awaited before the rest', () => {
    const deploy = runbook.slice(runbook.indexOf('## Deploy'), runbook.indexOf('## Migrations'));
    const first = /^kubectl apply -k "\$overlay" -l 'app\.kubernetes\.io\/component in \(([\w,-]+)\)'$/m.exec(deploy);
    const wait = deploy.indexOf('kubectl -n gatehouse wait --for=condition=complete job -l app.kubernetes.io/component=migration');
    const everything = deploy.indexOf('kubectl apply -k "$overlay"\n');
    expect([first !== null, wait > first!.index, everything > wait]).toEqual([true, true, true]);

    const components = new Set(first![1]!.split(','));
    const objects = render(overlayDir);
    const applied = objects.filter((o) => components.has(o.metadata.labels?.['app.kubernetes.io/component'] ?? ''));
    const has = (kind: string, name: string) => applied.some((o) => o.kind === kind && o.metadata.name === name);
    const jobs = objects.filter((o) => o.kind === 'Job') as unknown as IJob[];
    expect(jobs.every((j) => has('Job', j.metadata!.name!))).toBe(true);
    for (const job of jobs) {
      const pod = job.spec!.template.spec!;
      expect(has('Namespace', job.metadata!.namespace!)).toBe(true);
      expect(has('ServiceAccount', pod.serviceAccountName!)).toBe(true);
      for (const env of pod.containers.flatMap((c) => c.env ?? [])) {
        if (env.valueFrom?.configMapKeyRef) expect([env.name, has('ConfigMap', env.valueFrom.configMapKeyRef.name!)]).toEqual([env.name, true]);
      }
    }
    expect(applied.filter((o) => o.kind === 'Deployment')).toEqual([]);
  });
});
