import { countSeries, httpServer, sumSeries, vllm } from "../catalog/index.js";
import { rate, sumBy } from "./functions.js";
import type { Scope } from "./scope.js";
import { matcher, series } from "./selector.js";

/**
 * The OpenAI-compatible API server's HTTP metrics (prometheus-fastapi-instrumentator). They carry
 * `handler`, `method` and `status` (grouped as 2xx, 4xx, 5xx) but no model or engine, so only the
 * job and instance filters apply to them.
 */

function requestRates(scope: Scope, by: readonly string[], status?: string): string {
  const selector = status === undefined ? scope.target : [...scope.target, matcher("status", "=", status)];
  return sumBy(by, rate(series(httpServer.requests.name, selector), scope.window));
}

/** HTTP requests per second, summed by `by` (e.g. status and handler). */
export function httpRequestRate(scope: Scope, by: readonly string[]): string {
  return requestRates(scope, by);
}

/** HTTP 503s vLLM's admission caps answered (load shedding), per second: vllm:admission_rejections_total (vLLM 0.32+). */
export function loadSheddingRate(scope: Scope, by: readonly string[]): string {
  return sumBy(by, rate(series(vllm.admissionRejections.name, scope.target), scope.window));
}

/**
 * Share of HTTP requests answered with a 5xx status by a server failure; 0 rather than no data
 * while there is none. Load shedding is not a failure: the 503s of the admission caps are taken out.
 */
export function http5xxRatio(scope: Scope, by: readonly string[]): string {
  const all = requestRates(scope, by);
  // why: the 5xx child appears only with the first server error; `or 0 * all` keeps the line at 0 until then.
  const errors = `(${requestRates(scope, by, "5xx")} or 0 * ${all})`;
  // why: the instrumentator groups 503 into "5xx"; the rejection counter says how many of those were shed (none before 0.32).
  const shed = `(${loadSheddingRate(scope, by)} or 0 * ${all})`;
  return `clamp_min(${errors} - ${shed}, 0) / ${all}`;
}

/** Mean HTTP request duration (seconds) from the per-handler histogram's `_sum` and `_count`. */
export function httpMeanLatency(scope: Scope, by: readonly string[]): string {
  const sums = sumBy(by, rate(series(sumSeries(httpServer.requestDuration), scope.target), scope.window));
  const counts = sumBy(by, rate(series(countSeries(httpServer.requestDuration), scope.target), scope.window));
  return `${sums} / ${counts}`;
}
