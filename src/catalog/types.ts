export type MetricType = "counter" | "gauge" | "histogram" | "summary";

/**
 * One metric family as it appears on a `/metrics` page.
 * `name` is the wire name of the samples: counters include `_total`; histograms are the base
 * name (the page has `<name>_bucket`, `<name>_sum`, `<name>_count`).
 */
export interface MetricFamily {
  readonly name: string;
  readonly type: MetricType;
  readonly help: string;
  /** Label names besides `le`, in the order the exporter writes them. */
  readonly labels: readonly string[];
  /** Histogram upper bounds without +Inf. */
  readonly buckets?: readonly number[];
  /** Base unit, for dashboards: "seconds", "tokens", "ratio", "bytes", "MiB", "watts", "celsius", "MHz", "percent", "requests". */
  readonly unit?: string;
}

/** The series name of a histogram's buckets, e.g. `vllm:e2e_request_latency_seconds_bucket`. */
export function bucketSeries(family: MetricFamily): string {
  return `${family.name}_bucket`;
}

export function sumSeries(family: MetricFamily): string {
  return `${family.name}_sum`;
}

export function countSeries(family: MetricFamily): string {
  return `${family.name}_count`;
}
