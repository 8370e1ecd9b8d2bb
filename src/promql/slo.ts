import { httpServer, vllm } from "../catalog/index.js";
import { sumBy } from "./functions.js";
import type { Scope } from "./scope.js";
import { leMatcher, matcher, series, type Selector } from "./selector.js";
import { MODEL_LEVEL_LABELS, RECORDING_WINDOW, counterRecord, counterSignals, histogramSignals, recordedMetricPart } from "./signals.js";
import { summedBucketRates, type QueryOptions } from "./vllm.js";

/**
 * The service level indicators of the two objectives, as ratios of bad to all requests per job and
 * model, and the recording rules that make their burn-rate alerts cheap (SRE workbook, ch. 5):
 * - availability: engine errors (`finished_reason="error"`) plus HTTP 5xx answers of the API
 *   server, minus the 503s vLLM sends on purpose when its admission caps shed load, and minus the
 *   500s that answer an engine error (counted once, per server);
 * - ttft: requests whose first token came later than SLO_TTFT_SECONDS (a bucket edge, so exact).
 * Each has a 5-minute rate of bad and of all requests; every longer window averages those, so a
 * 3-day ratio reads a few series per model instead of every instance's counters.
 */

export type SloKey = "availability" | "ttft";
/** Label every burn-rate alert carries with its SloKey: Alertmanager lets a paging tier inhibit a ticket tier of the same objective by it. */
export const SLO_LABEL = "slo";
export const SLO_KEYS: readonly SloKey[] = ["availability", "ttft"];

/** The period an objective is stated over: error budget remaining and attainment are over it. */
export const SLO_PERIOD = "28d";

/** Windows of the burn-rate tiers (long and short), each recorded as a ratio. */
export const SLO_WINDOWS = ["5m", "30m", "1h", "2h", "6h", "1d", "3d"] as const;
export type SloWindow = (typeof SLO_WINDOWS)[number];

/** Long windows of the tiers: each also records its traffic, the gate of its alert. */
export const SLO_LONG_WINDOWS = ["1h", "6h", "1d", "3d"] as const;
export type SloLongWindow = (typeof SLO_LONG_WINDOWS)[number];

const model = (metric: string, operations: string) => `job_model_name:${metric}:${operations}`;

/** The metric part of each objective's bad and all records. */
const METRICS: Record<SloKey, { readonly bad: string; readonly all: string }> = {
  availability: { bad: "vllm_request_failures", all: "vllm_requests_attempted" },
  ttft: {
    bad: `${recordedMetricPart(vllm.timeToFirstToken.name)}_slow`,
    all: `${recordedMetricPart(vllm.timeToFirstToken.name)}_count`,
  },
};

/** `instance:http_requests_failed:rate5m`: 5xx answers that were not load shedding, per vLLM server, with its model_name and hostname. */
export const API_FAILURES_RECORD = `instance:${recordedMetricPart(httpServer.requests.name.replace(/_total$/, ""))}_failed:rate${RECORDING_WINDOW}`;

/** Bad requests per second of an objective, per job and model, over 5 minutes. */
export function sloBadRateRecord(key: SloKey): string {
  return model(METRICS[key].bad, `rate${RECORDING_WINDOW}`);
}

/** All requests per second an objective judges, per job and model, over 5 minutes. */
export function sloAllRateRecord(key: SloKey): string {
  return model(METRICS[key].all, `rate${RECORDING_WINDOW}`);
}

/** `job_model_name:vllm_request_failures:ratio_rate1h`: the share of bad requests over a window. */
export function sloBadRatioRecord(key: SloKey, window: SloWindow): string {
  return model(METRICS[key].bad, `ratio_rate${window}`);
}

/** `job_model_name:vllm_requests_attempted:rate1h`: requests per second the objective judged over a long window. */
export function sloTrafficRecord(key: SloKey, window: SloLongWindow): string {
  return model(METRICS[key].all, `rate${window}`);
}

const PER_SERVER = ["job", "instance"] as const;
// why: hostname too, as every other `instance:` record keeps it, so a fleet store can tell the hosts apart.
const PER_SERVER_MODEL = ["job", "instance", "hostname", "model_name"] as const;

/**
 * 5xx answers that were server failures, per vLLM server, carrying the server's model_name.
 * why: the instrumentator counts the 503s of load shedding as "5xx" and has no model_name; the join
 * with a vLLM gauge names the model and leaves out other Python services' HTTP series.
 */
export function apiFailureRates(scope: Scope, source: QueryOptions["source"]): string {
  const fivexx = sumBy(
    PER_SERVER,
    `rate(${series(httpServer.requests.name, [...scope.target, matcher("status", "=", "5xx")])}[${scope.window}])`,
  );
  const shed = sumBy(PER_SERVER, `rate(${series(vllm.admissionRejections.name, scope.target)}[${scope.window}])`);
  const failures = `clamp_min(${fivexx} - (${shed} or 0 * ${fivexx}), 0)`;
  const models = `group by (${PER_SERVER_MODEL.join(", ")}) (${series(vllm.numRequestsRunning.name, scope.vllm)})`;
  const perServer = `${failures} * on (${PER_SERVER.join(", ")}) group_left (model_name, hostname) ${models}`;
  // why: the record has only job, instance, hostname and model_name; a dashboard's engine or pod filter would match nothing on it.
  const recordSelector = scope.vllm.filter((m) => (PER_SERVER_MODEL as readonly string[]).includes(m.label));
  return source === "recorded" ? series(API_FAILURES_RECORD, recordSelector) : perServer;
}

/** Each part tagged with its own label value, so `or` keeps both (their label sets could otherwise collide) and `sum` adds them. */
function addParts(by: readonly string[], parts: Record<string, string>): string {
  const tagged = Object.entries(parts).map(([name, expr]) => `label_replace(${expr}, "sli_part", "${name}", "", "")`);
  return sumBy(by, tagged.join(" or "));
}

/**
 * Bad and all requests per second of an objective, summed by `by`, over the scope's window:
 * from raw series, or (`recorded`) from the `instance:` records of the 5-minute window.
 */
export function sloRates(key: SloKey, ttftSeconds: number, options: QueryOptions, by: readonly string[]): { bad: string; all: string } {
  if (key === "ttft") {
    const ttft = histogramSignals().ttft;
    const all = summedBucketRates(ttft, options, by, [leMatcher(Number.POSITIVE_INFINITY)]);
    const within = summedBucketRates(ttft, options, by, [leMatcher(ttftSeconds)]);
    return { bad: `(${all} - ${within})`, all };
  }
  const { requests } = counterSignals();
  const finished = (extra: Selector) =>
    options.source === "recorded"
      ? sumBy(PER_SERVER_MODEL, series(counterRecord(requests), [...options.scope.vllm, ...extra]))
      : sumBy(PER_SERVER_MODEL, `rate(${series(requests.family.name, [...options.scope.vllm, ...extra])}[${options.scope.window}])`);
  const engineErrors = finished([matcher("finished_reason", "=", "error")]);
  const api = apiFailureRates(options.scope, options.source);
  // why: a non-streamed request the engine fails is also answered 500; only the 5xx beyond the engine errors are failures the engine never saw.
  const apiOnly = `clamp_min(${api} - (${engineErrors} or 0 * ${api}), 0)`;
  const all = addParts(by, { finished: finished([]), api: apiOnly });
  const bad = addParts(by, { engine: engineErrors, api: apiOnly });
  // why: a model with no error series yet (V0, or a fresh server) has a ratio of 0, not no data.
  return { bad: `(${bad} or 0 * ${all})`, all };
}

/** The objective's records narrowed to a dashboard's job, model and monitor filters. */
function modelRecord(record: string, scope: Scope): string {
  return series(
    record,
    scope.vllm.filter((m) => m.label === "job" || m.label === "model_name" || m.label === "monitor"),
  );
}

/**
 * Share of bad requests of an objective over `window`, summed by `by`: from the 5-minute records
 * averaged over the window (`recorded`), or from raw counters over the window.
 */
export function sloBadRatio(key: SloKey, window: string, ttftSeconds: number, options: QueryOptions, by: readonly string[]): string {
  if (options.source === "raw") {
    const rates = sloRates(key, ttftSeconds, { ...options, scope: { ...options.scope, window } }, by);
    return `${rates.bad} / ${rates.all}`;
  }
  const average = (record: string) => sumBy(by, `avg_over_time(${modelRecord(record, options.scope)}[${window}])`);
  return `${average(sloBadRateRecord(key))} / ${average(sloAllRateRecord(key))}`;
}

export interface SloRule {
  readonly record: string;
  readonly expr: string;
}

/**
 * The recording rules of both objectives, in evaluation order. They read the `instance:` records of
 * signals.ts, so they must come after them in the same group.
 */
export function sloRules(ttftSeconds: number, scope: Scope): SloRule[] {
  const recorded: QueryOptions = { scope, source: "recorded" };
  const rules: SloRule[] = [{ record: API_FAILURES_RECORD, expr: apiFailureRates(scope, "raw") }];
  for (const key of SLO_KEYS) {
    const rates = sloRates(key, ttftSeconds, recorded, MODEL_LEVEL_LABELS);
    rules.push({ record: sloBadRateRecord(key), expr: rates.bad }, { record: sloAllRateRecord(key), expr: rates.all });
    for (const window of SLO_WINDOWS) {
      rules.push({
        record: sloBadRatioRecord(key, window),
        expr:
          window === RECORDING_WINDOW
            ? `${sloBadRateRecord(key)} / ${sloAllRateRecord(key)}`
            : // why: the average of 5-minute rates over the window is the window's rate, read from a few series per model.
              sloBadRatio(key, window, ttftSeconds, recorded, MODEL_LEVEL_LABELS),
      });
    }
    for (const window of SLO_LONG_WINDOWS) {
      rules.push({
        record: sloTrafficRecord(key, window),
        expr: sumBy(MODEL_LEVEL_LABELS, `avg_over_time(${sloAllRateRecord(key)}[${window}])`),
      });
    }
  }
  return rules;
}
