import { httpServer } from "../../catalog/index.js";

/**
 * Series the Prometheus config drops at scrape time (`metric_relabel_configs`, action `drop` on
 * `__name__`): nothing the dashboards, the rules or a user reading vLLM needs, each with why.
 */
export interface DroppedFamily {
  /** Anchored RE2 regex on the series name. */
  readonly regex: string;
  readonly reason: string;
}

export function droppedFamilies(): DroppedFamily[] {
  return [
    {
      regex: ".+_created",
      reason:
        "prometheus_client writes a `<name>_created` gauge (a Unix timestamp) for every counter and histogram child of vLLM V1: " +
        "one extra series per child that no query reads; rate() and increase() handle counter resets without it.",
    },
    {
      regex: "python_gc_.+",
      reason: "Garbage-collector counters of the API server's Python process: interpreter internals, not serving behaviour.",
    },
    {
      regex: `(${httpServer.requestSizeBytes.name}|${httpServer.responseSizeBytes.name})(_sum|_count)?`,
      reason:
        "Summaries without quantiles of the Content-Length header per handler: counts duplicate http_requests_total, " +
        "sizes are rarely set on streamed responses.",
    },
    {
      regex: `${httpServer.requestDurationHighr.name}_bucket`,
      reason:
        "22 buckets of HTTP latency without a model or handler label: vLLM's own e2e_request_latency_seconds histogram carries the same " +
        "signal per model (the _sum and _count are kept for a mean).",
    },
  ];
}

/** The `metric_relabel_configs` entries, ready to be written into a scrape job. */
export function metricRelabelDrops(): { source_labels: string[]; regex: string; action: "drop" }[] {
  return droppedFamilies().map((family) => ({ source_labels: ["__name__"], regex: family.regex, action: "drop" }));
}
