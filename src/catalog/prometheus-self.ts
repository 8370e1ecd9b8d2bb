import type { MetricFamily } from "./types.js";

/**
 * Prometheus's own metrics (its /metrics page, job `prometheus`) that say whether it still scrapes
 * and stores: names as Prometheus 2.42 and 3.x write them (scrape/scrape.go, tsdb/head.go, tsdb/wal).
 */
export const prometheusSelf = {
  scrapesExceededSampleLimit: {
    name: "prometheus_target_scrapes_exceeded_sample_limit_total",
    type: "counter",
    help: "Total number of scrapes that hit the sample limit and were rejected.",
    labels: [],
    unit: "none",
  },
  scrapesExceededBodySizeLimit: {
    name: "prometheus_target_scrapes_exceeded_body_size_limit_total",
    type: "counter",
    help: "Total number of scrapes that hit the body size limit",
    labels: [],
    unit: "none",
  },
  walWritesFailed: {
    name: "prometheus_tsdb_wal_writes_failed_total",
    type: "counter",
    help: "Total number of write log writes that failed.",
    labels: [],
    unit: "none",
  },
  walCorruptions: {
    name: "prometheus_tsdb_wal_corruptions_total",
    type: "counter",
    help: "Total number of WAL corruptions.",
    labels: [],
    unit: "none",
  },
  compactionsFailed: {
    name: "prometheus_tsdb_compactions_failed_total",
    type: "counter",
    help: "Total number of compactions that failed for the partition.",
    labels: [],
    unit: "none",
  },
  headMaxTimeSeconds: {
    name: "prometheus_tsdb_head_max_time_seconds",
    type: "gauge",
    help: "Maximum timestamp of the head block.",
    labels: [],
    unit: "seconds",
  },
  headSeries: {
    name: "prometheus_tsdb_head_series",
    type: "gauge",
    help: "Total number of series in the head block.",
    labels: [],
    unit: "none",
  },
} as const satisfies Record<string, MetricFamily>;
