import { VLLM_FEATURE_FLAGS, httpServer, vllm } from "../../../catalog/index.js";
import type { Thresholds } from "../../config.js";
import { http5xxRatio, httpMeanLatency, httpRequestRate, loadSheddingRate } from "../../../promql/http.js";
import type { QueryOptions } from "../../../promql/vllm.js";
import { alertLine, type RowSpec } from "../panels.js";

const NO_MODEL = "HTTP metrics carry no model or engine label, so only the job and instance filters apply.";
// why: the instrumentator creates a handler's series at its first request; a server that has answered none has no http_* series yet.
const NO_REQUEST_YET = `No data: needs an API request answered since vLLM started (${httpServer.requests.name} begins with the first)`;

/** The OpenAI-compatible API server: what HTTP clients get back, before vLLM's own request counters. */
export function apiRow(query: QueryOptions, thresholds: Thresholds): RowSpec {
  const { scope } = query;
  return {
    title: "API",
    panels: [
      {
        key: "user/http-requests",
        kind: "timeseries",
        title: "HTTP requests by status and handler",
        description:
          "Requests per second the API server answered, by status class (2xx, 4xx, 5xx) and route. 4xx are rejected requests (too long, bad parameters, " +
          `unknown model) that never reach the engine; 5xx are server failures. ${NO_MODEL}`,
        unit: "reqps",
        legend: "table",
        noValue: NO_REQUEST_YET,
        targets: [{ expr: httpRequestRate(scope, ["status", "handler"]), legend: "{{status}} {{handler}}" }],
      },
      {
        key: "user/http-5xx-ratio",
        kind: "timeseries",
        title: "HTTP 5xx ratio",
        description:
          `Share of HTTP requests answered with a 5xx status by a server failure, per job; the 503s of load shedding (${vllm.admissionRejections.name}) are left out. ` +
          `The dashed line is the VllmApiErrorsHigh threshold (${thresholds.apiErrors.ratio * 100}%). ${NO_MODEL}`,
        unit: "percentunit",
        min: 0,
        noValue: NO_REQUEST_YET,
        thresholdLine: true,
        thresholds: alertLine(thresholds.apiErrors.ratio),
        targets: [{ expr: http5xxRatio(scope, ["job"]), legend: "{{job}}" }],
      },
      {
        key: "user/load-shedding",
        kind: "timeseries",
        title: "Rejected (load shedding)",
        description:
          `Requests per second vLLM refused with HTTP 503 because its queue was at an admission cap (${VLLM_FEATURE_FLAGS.admission}), by the cap that fired ` +
          `(${vllm.admissionRejections.name}). Deliberate shedding, not a server error: the 5xx ratio, the error budget and VllmApiErrorsHigh leave it out; ` +
          `VllmLoadShedding fires when it lasts (${thresholds.loadShedding.ratio * 100}% of requests for ${thresholds.loadShedding.for}). ${NO_MODEL}`,
        unit: "reqps",
        stacked: true,
        noValue: `No data: needs vLLM 0.32 or later (${vllm.admissionRejections.name})`,
        targets: [{ expr: loadSheddingRate(scope, ["job", "reason"]), legend: "rejected (load shedding) {{reason}} {{job}}" }],
      },
      {
        key: "user/http-latency",
        kind: "timeseries",
        title: "Mean HTTP latency by handler",
        description:
          `Mean time the API server took per request, by route, from ${httpServer.requestDuration.name}'s _sum and _count (its 3 buckets are too coarse for quantiles). ` +
          `A streamed request counts until its last chunk. ${NO_MODEL}`,
        unit: "s",
        noValue: NO_REQUEST_YET,
        targets: [{ expr: httpMeanLatency(scope, ["handler"]), legend: "{{handler}}" }],
      },
    ],
  };
}
