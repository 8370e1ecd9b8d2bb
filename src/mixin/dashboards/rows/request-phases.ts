import { vllm, vllmLegacy } from "../../../catalog/index.js";
import { VARIABLES } from "../../../promql/scope.js";
import { histogramSignals } from "../../../promql/signals.js";
import { histogramMean, latencyQuantile, type QueryOptions } from "../../../promql/vllm.js";
import type { RowSpec } from "../panels.js";

const BY_MODEL = ["model_name"] as const;
const VERSIONS =
  "vLLM V0 from 0.6.4 and V1 from 0.7.3 export the phase histograms; the queue time falls back to V0's time_in_queue_requests.";

/** Where a request's time goes: waiting in the queue, prefill (up to the first token), decode. */
export function requestPhasesRow(query: QueryOptions): RowSpec {
  const signals = histogramSignals();
  const phases = [
    { signal: signals.queueTime, name: "queue" },
    { signal: signals.prefillTime, name: "prefill" },
    { signal: signals.decodeTime, name: "decode" },
  ] as const;
  return {
    title: "Request phases",
    panels: [
      {
        key: "user/phases-mean",
        kind: "timeseries",
        title: "Where the time goes (mean per request)",
        description:
          "Mean seconds a finished request spent waiting in the queue, in prefill (scheduled until its first token) and in decode (first token until finished), " +
          "stacked so they add up to the time from arrival to finish. The dashed lines are the mean inference time (prefill + decode, from its own histogram) " +
          "and the mean end-to-end latency: the gap to the stack is time outside the engine (tokenising, the API server). One panel per selected model. " +
          `Means are rate of _sum over rate of _count. ${VERSIONS}`,
        unit: "s",
        width: 12,
        stacked: true,
        repeat: VARIABLES.modelName,
        seriesStyles: [{ match: "^(inference|end-to-end) ", unstacked: true, dashed: true }],
        targets: [
          ...phases.map((phase) => ({ expr: histogramMean(phase.signal, query, BY_MODEL), legend: `${phase.name} {{model_name}}` })),
          { expr: histogramMean(signals.inferenceTime, query, BY_MODEL), legend: "inference (prefill + decode) {{model_name}}" },
          { expr: histogramMean(signals.e2e, query, BY_MODEL), legend: "end-to-end {{model_name}}" },
        ],
      },
      {
        key: "user/phases-p95",
        kind: "timeseries",
        title: "Request phases p95",
        description:
          `p95 of each phase per model, from the bucket counters of ${vllm.requestQueueTime.name} (or ${vllmLegacy.timeInQueueRequests.name}), ` +
          `${vllm.requestPrefillTime.name}, ${vllm.requestDecodeTime.name} and ${vllm.requestInferenceTime.name}. ` +
          "Quantiles do not add up: the slowest 5 % of prefills and of decodes are rarely the same requests.",
        unit: "s",
        width: 12,
        legend: "table",
        targets: [
          ...phases.map((phase) => ({
            expr: latencyQuantile(0.95, phase.signal, query, BY_MODEL),
            legend: `${phase.name} p95 {{model_name}}`,
          })),
          { expr: latencyQuantile(0.95, signals.inferenceTime, query, BY_MODEL), legend: "inference p95 {{model_name}}" },
        ],
      },
    ],
  };
}
