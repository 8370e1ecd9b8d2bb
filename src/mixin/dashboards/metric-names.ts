import { knownSeriesNames } from "../../catalog/index.js";

/**
 * The series names PromQL text reads, in order of first appearance: catalog names and any
 * identifier with a colon (vLLM's names and our recording rules). Grafana variables (`$…`),
 * label values in strings, functions, labels and durations are left out.
 */
export function metricNamesIn(exprs: readonly string[]): string[] {
  const known = knownSeriesNames();
  const names: string[] = [];
  for (const expr of exprs) {
    // why: label values and strings may look like names (`job="vllm:x"`); drop them first.
    const withoutStrings = expr.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""');
    for (const [identifier] of withoutStrings.matchAll(/(?<![$\w:.])[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
      if ((known.has(identifier) || identifier.includes(":")) && !names.includes(identifier)) names.push(identifier);
    }
  }
  return names;
}

/** The sentence every panel description ends with: which series it reads. */
export function readsSentence(exprs: readonly string[]): string {
  const names = metricNamesIn(exprs);
  return names.length === 0 ? "" : `Metrics: ${names.join(", ")}.`;
}
