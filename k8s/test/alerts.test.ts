import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportedSeries, type SeriesCatalog } from './exported-metrics';
import { k8sRoot, render, type K8sObject } from './manifests';
import { matches, parsePromql } from './promql';
import { deployedServices } from './service-catalog';
import { strictSchemaProblems } from './strict-schema';

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface PrometheusRule extends K8sObject {
  spec: { groups: { name: string; rules: Rule[] }[] };
}

const fixture = join(k8sRoot, 'test', 'fixtures', 'with-prometheus-operator');
const runbook = readFileSync(join(k8sRoot, 'README.md'), 'utf8');
/** GitHub's anchors of the runbook's headings: lower case, punctuation dropped, spaces to dashes. */
const runbookAnchors = [...runbook.matchAll(/^#+ (.+)$/gm)].map((m) =>
  m[1]!
    .toLowerCase()
    .replace(/[^\w\s-]/g, '')
    .replace(/\s/g, '-'),
);

function prometheusRule(): PrometheusRule {
  const found = render(fixture).filter((o) => o.kind === 'PrometheusRule');
  if (found.length !== 1) throw new Error(`expected one PrometheusRule, found ${found.length}`);
  return found[0] as PrometheusRule;
}

const rules = prometheusRule().spec.groups.flatMap((g) => g.rules);
const alerts = rules.filter((r): r is Rule & { alert: string } => r.alert !== undefined);

/** Histograms export `_bucket` series, which alone carry `le`. */
const labelsOf = (catalog: SeriesCatalog, metric: string) => new Set((catalog.get(metric) ?? []).flatMap((labels) => Object.keys(labels)));

/**
 * What in an expression the code does not export: a metric no registry has, a label no series
 * of it carries, a selector no series satisfies (a label value the code never writes), or a
 * grouping label none of the expression's metrics has.
 */
function exprProblems(expr: string, catalog: SeriesCatalog): string[] {
  const parsed = parsePromql(expr);
  const problems = [...parsed.syntaxErrors];
  for (const selector of parsed.selectors) {
    const series = catalog.get(selector.metric);
    if (!series) {
      problems.push(`${selector.metric} is not exported by any service`);
      continue;
    }
    const known = labelsOf(catalog, selector.metric);
    for (const matcher of selector.matchers) if (!known.has(matcher.label)) problems.push(`${selector.metric} has no label ${matcher.label}`);
    if (!series.some((labels) => selector.matchers.every((m) => matches(labels, m)))) {
      problems.push(`no series of ${selector.metric} matches ${JSON.stringify(selector.matchers)}`);
    }
  }
  const labels = new Set(parsed.selectors.flatMap((s) => [...labelsOf(catalog, s.metric)]));
  for (const label of parsed.groupingLabels) if (!labels.has(label)) problems.push(`no metric of the expression has the grouping label ${label}`);
  return problems;
}

let catalog: SeriesCatalog;
beforeAll(async () => {
  catalog = await exportedSeries(deployedServices.map((s) => s.name));
});

describe('Prometheus alert examples (components/prometheus-operator)', () => {
  it('when the component is rendered, then the PrometheusRule passes the vendored CRD schema and alerts on reuse and login-failure bursts', () => {
    expect(strictSchemaProblems(prometheusRule())).toEqual([]);
    expect(alerts.map((a) => a.alert)).toEqual(expect.arrayContaining(['GatehouseRefreshTokenReuseBurst', 'GatehouseLoginFailureBurst']));
    expect(new Set(alerts.map((a) => a.alert)).size).toBe(alerts.length);
  });

  it('when a rule field is misspelled, then the vendored CRD schema names it', () => {
    const misspelled = structuredClone(prometheusRule()) as PrometheusRule & { spec: { groups: { rules: Record<string, unknown>[] }[] } };
    misspelled.spec.groups[0]!.rules[0]!.expresion = 'vector(1)';
    expect(strictSchemaProblems(misspelled)).toEqual([expect.stringMatching(/groups\/0\/rules\/0: unknown field "expresion"/)]);
  });

  it.each(alerts.map((a) => [a.alert, a] as const))(
    'when %s fires, then it carries a wait, a severity, a summary, a description and a runbook section that exists',
    (_name, alert) => {
      expect(alert.for).toMatch(/^\d+[smh]$/);
      expect(['critical', 'warning']).toContain(alert.labels?.severity);
      expect(alert.annotations?.summary).toBeTruthy();
      expect(alert.annotations?.description).toBeTruthy();
      const anchor = /\/k8s\/README\.md#([\w-]+)$/.exec(alert.annotations?.runbook_url ?? '')?.[1];
      expect(runbookAnchors).toContain(anchor);
      expect(anchor).toBe(alert.alert.toLowerCase());
    },
  );

  it.each(rules.map((r) => [r.alert ?? r.record, r] as const))(
    'when the expression of %s is evaluated, then it parses and uses only metrics, labels and label values the code exports',
    (_name, rule) => {
      expect(parsePromql(rule.expr).selectors.length).toBeGreaterThan(0);
      expect(exprProblems(rule.expr, catalog)).toEqual([]);
    },
  );

  it('when a metric is renamed, a label misspelled or an outcome the code never writes is asked for, then the check names each', () => {
    expect(exprProblems('sum(rate(gatehouse_auth_outcome_total[5m])) > 0', catalog)).toEqual(['gatehouse_auth_outcome_total is not exported by any service']);
    expect(exprProblems('sum(rate(gatehouse_auth_outcomes_total{operation="refresh",result="reused"}[5m])) > 0', catalog)).toEqual([
      'gatehouse_auth_outcomes_total has no label result',
      expect.stringMatching(/^no series of gatehouse_auth_outcomes_total matches/),
    ]);
    expect(exprProblems('sum(increase(gatehouse_auth_outcomes_total{outcome="refresh_token_reused"}[5m])) > 0', catalog)).toEqual([
      expect.stringMatching(/^no series of gatehouse_auth_outcomes_total matches .*refresh_token_reused/),
    ]);
    expect(exprProblems('sum by (pod_name) (gatehouse_broker_connected) == 0', catalog)).toEqual([
      'no metric of the expression has the grouping label pod_name',
    ]);
    const unbalanced = exprProblems('sum(rate(http_request_duration_seconds_count[5m]) >', catalog);
    expect(unbalanced.length).toBeGreaterThan(0);
    expect(unbalanced).toEqual(unbalanced.map(() => expect.stringMatching(/^syntax error at \d+/)));
  });
});
