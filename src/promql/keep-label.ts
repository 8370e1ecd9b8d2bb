/**
 * Keeps one label through every aggregation and join of an expression, found with Prometheus's
 * own PromQL grammar: `by (…)` and `on (…)` gain it, an aggregation without a clause gets
 * `by (label)`, `without (…)` and `ignoring (…)` keep it already. The rules use it for `monitor`,
 * the external label each sender adds to what it remote-writes: a central ruler then computes per
 * sender, and two clusters' fleets never merge into one series. Where the label is absent (a
 * local Prometheus's own series), grouping by it changes nothing. Pure.
 */
import { parser } from "@prometheus-io/lezer-promql";

type SyntaxNode = ReturnType<typeof parser.parse>["topNode"];

/** The external label every sender's series and alerts carry (MONITOR_NAME). */
export const MONITOR_LABEL = "monitor";

interface Insertion {
  readonly at: number;
  readonly text: string;
}

function children(node: SyntaxNode): SyntaxNode[] {
  const found: SyntaxNode[] = [];
  for (let child = node.firstChild; child !== null; child = child.nextSibling) found.push(child);
  return found;
}

/** Adds `label` to a `(a, b)` list unless it is there. */
function addToGrouping(expr: string, grouping: SyntaxNode, label: string): Insertion | undefined {
  const names = children(grouping)
    .filter((child) => child.name === "LabelName")
    .map((child) => expr.slice(child.from, child.to));
  if (names.includes(label)) return undefined;
  return { at: grouping.to - 1, text: names.length === 0 ? label : `, ${label}` };
}

function aggregation(expr: string, node: SyntaxNode, label: string): Insertion | undefined {
  const parts = children(node);
  const modifier = parts.find((child) => child.name === "AggregateModifier");
  if (modifier === undefined) {
    const operator = parts.find((child) => child.name === "AggregateOp");
    return operator === undefined ? undefined : { at: operator.to, text: ` by (${label})${expr[operator.to] === "(" ? " " : ""}` };
  }
  const [kind, grouping] = children(modifier);
  return kind?.name === "By" && grouping?.name === "GroupingLabels" ? addToGrouping(expr, grouping, label) : undefined;
}

function join(expr: string, node: SyntaxNode, label: string): Insertion | undefined {
  const [kind, grouping] = children(node);
  return kind?.name === "On" && grouping?.name === "GroupingLabels" ? addToGrouping(expr, grouping, label) : undefined;
}

/** `expr` with `label` kept through every aggregation and vector match. Throws on PromQL the grammar rejects. */
export function keepLabel(expr: string, label: string = MONITOR_LABEL): string {
  const tree = parser.parse(expr);
  const insertions: Insertion[] = [];
  tree.iterate({
    enter: (ref) => {
      if (ref.type.isError) throw new Error(`keepLabel: cannot parse PromQL at ${ref.from}: ${expr}`);
      const found =
        ref.name === "AggregateExpr"
          ? aggregation(expr, ref.node, label)
          : ref.name === "MatchingModifierClause"
            ? join(expr, ref.node, label)
            : undefined;
      if (found !== undefined) insertions.push(found);
    },
  });
  return insertions
    .sort((a, b) => b.at - a.at)
    .reduce((text, insertion) => text.slice(0, insertion.at) + insertion.text + text.slice(insertion.at), expr);
}
