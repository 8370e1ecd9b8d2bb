/**
 * The series names a PromQL expression reads, found with Prometheus's own PromQL grammar
 * (@prometheus-io/lezer-promql) rather than a pattern: label values, strings, functions, label
 * names and durations can never be mistaken for a series. Used wherever the project asks "which
 * series does this query need": the remote-write keep list, doctor's panel findings and the
 * dashboards' "Metrics:" sentences. Pure.
 */
import { parser } from "@prometheus-io/lezer-promql";

/**
 * Dashboard template variables (`$__rate_interval`, `${job}`, `[[x]]`) outside string literals
 * stand where a duration or a number goes; `1m` parses in both places, so the grammar sees valid
 * PromQL. Inside strings they are left alone: they are label values, not names.
 */
function withoutTemplateVariables(expr: string): string {
  return expr.replace(/("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`)|\$\{[^}]*\}|\$\w+|\[\[\w+\]\]/g, (match, literal?: string) =>
    literal === undefined ? "1m" : match,
  );
}

/** The text of a string literal node, without its quotes (escapes kept as written). */
function literalText(text: string): string {
  return text.length >= 2 ? text.slice(1, -1) : text;
}

/**
 * Names of the series an expression selects, unique, in order of first appearance: each vector
 * selector's metric name, and the value of an exact `__name__="…"` matcher. A regex on `__name__`
 * names no single series and is not listed.
 */
export function seriesRead(expr: string): string[] {
  const text = withoutTemplateVariables(expr);
  const names: string[] = [];
  const add = (name: string): void => {
    if (name !== "" && !names.includes(name)) names.push(name);
  };
  parser.parse(text).iterate({
    enter: (node) => {
      if (node.name === "Identifier" && node.node.parent?.name === "VectorSelector") add(text.slice(node.from, node.to));
      if (node.name === "UnquotedLabelMatcher") {
        const label = node.node.getChild("LabelName");
        const operator = node.node.getChild("MatchOp");
        const value = node.node.getChild("StringLiteral");
        const isName = label !== null && text.slice(label.from, label.to) === "__name__";
        if (isName && operator !== null && value !== null && text.slice(operator.from, operator.to) === "=")
          add(literalText(text.slice(value.from, value.to)));
      }
    },
  });
  return names;
}
