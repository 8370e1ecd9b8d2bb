import { countSeries, sumSeries, type MetricFamily } from "../../catalog/index.js";
import { firstOf, rate, sumBy } from "../../promql/functions.js";
import { ruleScope } from "../../promql/scope.js";
import { series } from "../../promql/selector.js";
import {
  INSTANCE_LEVEL_LABELS,
  MODEL_LEVEL_LABELS,
  RECORDING_WINDOW,
  bucketRecord,
  counterRecord,
  counterSignals,
  countRecord,
  errorRatioRecord,
  histogramSignals,
  quantileRecord,
  sumRecord,
  type HistogramSignal,
} from "../../promql/signals.js";
import { bucketRates, counterRate, errorRatio, latencyQuantile, type QueryOptions } from "../../promql/vllm.js";
import { aggregateRules } from "../../promql/aggregates.js";
import { sloRules } from "../../promql/slo.js";
import type { Thresholds } from "../config.js";
import type { RecordingRule } from "./types.js";

/** Quantiles recorded per job and model for alerts, plus whatever the thresholds ask for. */
function recordedQuantiles(extra: number): number[] {
  return [...new Set([0.5, 0.9, 0.95, 0.99, extra])].sort((a, b) => a - b);
}

function meanParts(signal: HistogramSignal, raw: QueryOptions): RecordingRule[] {
  const window = raw.scope.window;
  const rates = (seriesName: (family: MetricFamily) => string) =>
    sumBy(INSTANCE_LEVEL_LABELS, firstOf(...signal.families.map((family) => rate(series(seriesName(family)), window))));
  return [
    { record: sumRecord(signal), expr: rates(sumSeries) },
    { record: countRecord(signal), expr: rates(countSeries) },
  ];
}

/**
 * Recording rules, in evaluation order: `instance`-level rates first (raw series, 5-minute
 * window), then `job_model_name` quantiles and ratios computed from them, then the aggregates
 * whose count does not grow with the instances (promql/aggregates.ts: per job and model, per GPU
 * host, per job), which the Fleet overview reads, and last the objectives' windows (promql/slo.ts),
 * which the burn-rate alerts and the Service level row read.
 */
export function recordingRules(thresholds: Thresholds): RecordingRule[] {
  const raw: QueryOptions = { scope: ruleScope(RECORDING_WINDOW), source: "raw" };
  const recorded: QueryOptions = { scope: ruleScope(RECORDING_WINDOW), source: "recorded" };
  const histograms = histogramSignals();
  const counters = counterSignals();
  const rules: RecordingRule[] = [];
  for (const signal of Object.values(histograms)) {
    rules.push({ record: bucketRecord(signal), expr: bucketRates(signal, raw, INSTANCE_LEVEL_LABELS) });
    if (signal.recordMean) rules.push(...meanParts(signal, raw));
  }
  for (const signal of Object.values(counters)) {
    rules.push({ record: counterRecord(signal), expr: counterRate(signal, raw, [...INSTANCE_LEVEL_LABELS, ...signal.keep]) });
  }
  const perModel: readonly [HistogramSignal, number][] = [
    [histograms.ttft, thresholds.ttft.quantile],
    [histograms.e2e, thresholds.e2e.quantile],
    [histograms.interTokenLatency, thresholds.itl.quantile],
  ];
  for (const [signal, thresholdQuantile] of perModel) {
    for (const quantile of recordedQuantiles(thresholdQuantile)) {
      rules.push({ record: quantileRecord(signal, quantile), expr: latencyQuantile(quantile, signal, recorded, MODEL_LEVEL_LABELS) });
    }
  }
  rules.push({ record: errorRatioRecord(), expr: errorRatio(counters.requests, recorded, MODEL_LEVEL_LABELS) });
  rules.push(...aggregateRules({ ttftSeconds: thresholds.ttft.seconds, e2eSeconds: thresholds.e2e.seconds }));
  rules.push(...sloRules(thresholds.ttft.seconds, ruleScope(RECORDING_WINDOW)));
  return rules;
}
