import { knownSeriesNames } from "../../catalog/index.js";
import { seriesRead } from "../../catalog/series-read.js";

/**
 * The series names PromQL text reads, in order of first appearance: catalog names and any
 * name with a colon (vLLM's names and our recording rules).
 */
export function metricNamesIn(exprs: readonly string[]): string[] {
  const known = knownSeriesNames();
  const names = exprs.flatMap(seriesRead).filter((name) => known.has(name) || name.includes(":"));
  return [...new Set(names)];
}

/** The sentence every panel description ends with: which series it reads. */
export function readsSentence(exprs: readonly string[]): string {
  const names = metricNamesIn(exprs);
  return names.length === 0 ? "" : `Metrics: ${names.join(", ")}.`;
}
