import type * as LezerPromql from '@prometheus-io/lezer-promql' with { 'resolution-mode': 'import' };

// An ES module with a CommonJS build ("require" export), which is what Jest loads here.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { parser } = require('@prometheus-io/lezer-promql') as typeof LezerPromql;

export type MatchOp = '=' | '!=' | '=~' | '!~';

export interface LabelMatcher {
  readonly label: string;
  readonly op: MatchOp;
  readonly value: string;
}

/** One `metric{label="value", …}` of an expression. */
export interface VectorSelector {
  readonly metric: string;
  readonly matchers: readonly LabelMatcher[];
}

export interface ParsedExpr {
  /** Where Prometheus's own grammar (the one its UI uses) fails to parse the expression. */
  readonly syntaxErrors: readonly string[];
  readonly selectors: readonly VectorSelector[];
  /** Labels named in `by (…)`, `without (…)`, `on (…)` and `ignoring (…)`. */
  readonly groupingLabels: readonly string[];
}

const MATCH_OPS: Record<string, MatchOp> = { EqlSingle: '=', Neq: '!=', EqlRegex: '=~', NeqRegex: '!~' };

/** The value of a PromQL string literal: quotes removed, backslash escapes undone. */
function unquote(literal: string): string {
  if (literal.startsWith('`')) return literal.slice(1, -1);
  if (literal.startsWith('"')) return JSON.parse(literal) as string;
  return JSON.parse(`"${literal.slice(1, -1).replace(/\\'/g, "'").replace(/"/g, '\\"')}"`) as string;
}

/** Parses an alert or recording expression with `@prometheus-io/lezer-promql`. */
export function parsePromql(expr: string): ParsedExpr {
  const tree = parser.parse(expr);
  const syntaxErrors: string[] = [];
  const selectors: VectorSelector[] = [];
  const groupingLabels: string[] = [];
  const text = (from: number, to: number) => expr.slice(from, to);
  tree.iterate({
    enter(node) {
      if (node.type.isError) syntaxErrors.push(`syntax error at ${node.from}: "${text(Math.max(0, node.from - 20), node.to + 20).trim()}"`);
      if (node.name === 'GroupingLabels') {
        for (let child = node.node.firstChild; child; child = child.nextSibling) {
          if (child.name === 'LabelName') groupingLabels.push(text(child.from, child.to));
        }
      }
      if (node.name !== 'VectorSelector') return;
      const metric = node.node.getChild('Identifier');
      const matchers: LabelMatcher[] = [];
      for (const matcher of node.node.getChild('LabelMatchers')?.getChildren('UnquotedLabelMatcher') ?? []) {
        const label = matcher.getChild('LabelName');
        const op = matcher.getChild('MatchOp')?.firstChild;
        const value = matcher.getChild('StringLiteral');
        if (!label || !op || !value) continue;
        matchers.push({ label: text(label.from, label.to), op: MATCH_OPS[op.name]!, value: unquote(text(value.from, value.to)) });
      }
      selectors.push({ metric: metric ? text(metric.from, metric.to) : '', matchers });
    },
  });
  return { syntaxErrors, selectors, groupingLabels };
}

/** Whether one series' labels satisfy a matcher (regexes are anchored, as in PromQL). */
export function matches(labels: Readonly<Record<string, string>>, matcher: LabelMatcher): boolean {
  const actual = labels[matcher.label] ?? '';
  switch (matcher.op) {
    case '=':
      return actual === matcher.value;
    case '!=':
      return actual !== matcher.value;
    case '=~':
      return new RegExp(`^(?:${matcher.value})$`).test(actual);
    case '!~':
      return !new RegExp(`^(?:${matcher.value})$`).test(actual);
  }
}
