/**
 * A day of samples for a simulated vLLM fleet at the scrape interval, generated once for any sink:
 * remote write into a real Prometheus (here) or promtool-built blocks (bench/openmetrics-history.ts).
 * Every raw series the User overview reads, every recording rule the
 * recorded dashboards read (instance-level rates, per job and model, per GPU host, per job), with
 * the names and labels of src/promql and src/mixin/rules. Values follow a daily wave per instance; only
 * the number of series and samples matters for query cost.
 *
 * Recorded series are written here rather than evaluated: `promtool tsdb create-blocks-from rules`
 * would query a running Prometheus for every 5-second step of every rule, for hours at this size. `recordShapes` (bench/record-shapes.ts) checks that
 * the names and label sets match what the real rules produce.
 */
import { FINISHED_REASONS, dcgm, httpServer, metricsVersionSpec, node, vllm, type MetricFamily } from "../src/catalog/index.js";
import { AGGREGATES, sloRatioRecord } from "../src/promql/aggregates.js";
import {
  API_FAILURES_RECORD,
  SLO_KEYS,
  SLO_LONG_WINDOWS,
  SLO_WINDOWS,
  sloAllRateRecord,
  sloBadRateRecord,
  sloBadRatioRecord,
  sloTrafficRecord,
} from "../src/promql/slo.js";
import {
  bucketRecord,
  counterRecord,
  counterSignals,
  countRecord,
  errorRatioRecord,
  histogramSignals,
  quantileRecord,
  sumRecord,
  type HistogramSignal,
} from "../src/promql/signals.js";
import { ProtoWriter, appendSeries, encodeLabels, remoteWrite } from "./remote-write-protocol.js";

export const BENCH_MODELS = ["llama-3-8b", "qwen-2-7b"] as const;
export const BENCH_JOBS = { vllm: "vllm", gpu: "dcgm", node: "node" } as const;
const MAX_MODEL_LEN = 8192;
/** Requests per second of an instance at the mean of the daily wave. */
const BASE_RATE = 3;
const ERROR_SHARE = 0.01;
const REASON_SHARES: Readonly<Record<string, number>> = { stop: 0.85, length: 0.11, abort: 0.03, error: ERROR_SHARE, repetition: 0 };
/** Load levels the distributions are cached at (the wave is smooth; 64 levels are plenty). */
const LEVELS = 64;
const Z = { 0.5: 0, 0.9: 1.2816, 0.95: 1.6449, 0.99: 2.3263 } as const;

type Labels = Readonly<Record<string, string>>;

interface Shape {
  readonly signal: HistogramSignal;
  readonly family: MetricFamily;
  readonly edges: readonly number[];
  readonly median: number;
  readonly sigma: number;
}

function erf(x: number): number {
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return x >= 0 ? y : -y;
}

function logNormalCdf(edge: number, median: number, sigma: number): number {
  return 0.5 * (1 + erf(Math.log(edge / median) / (sigma * Math.SQRT2)));
}

/** The python float text of a bucket edge, as vLLM writes `le`. */
function leText(edge: number): string {
  return Number.isInteger(edge) ? `${edge}.0` : String(edge);
}

function shapes(): Shape[] {
  const spec = metricsVersionSpec("current", { maxModelLen: MAX_MODEL_LEN });
  const histograms = histogramSignals();
  const medians: Readonly<Record<keyof typeof histograms, readonly [number, number]>> = {
    ttft: [0.08, 1],
    e2e: [4, 0.8],
    queueTime: [0.05, 1.5],
    prefillTime: [0.06, 0.8],
    decodeTime: [3.8, 0.8],
    inferenceTime: [3.9, 0.8],
    interTokenLatency: [0.03, 0.5],
    requestTimePerOutputToken: [0.035, 0.4],
    promptLength: [320, 0.9],
    outputLength: [140, 0.8],
  };
  return (Object.keys(histograms) as (keyof typeof histograms)[]).map((key) => {
    const signal = histograms[key];
    const family = signal.families[0]!;
    const edges = spec.families.find((item) => item.family.name === family.name)?.family.buckets ?? [];
    const [median, sigma] = medians[key];
    return { signal, family, edges, median, sigma };
  });
}

/** Load of instance `index` at Unix second `t`: a daily wave, each instance at its own phase. */
function load(index: number, t: number): number {
  return 1 + 0.5 * Math.sin((2 * Math.PI * t) / 86_400 + index);
}

function level(value: number): number {
  return Math.max(0, Math.min(LEVELS - 1, Math.round(((value - 0.5) / 1) * (LEVELS - 1))));
}

function levelLoad(levelIndex: number): number {
  return 0.5 + levelIndex / (LEVELS - 1);
}

/** A series as OpenMetrics text names it (label values escaped as the format requires). */
function seriesText(name: string, labels: Labels): string {
  const escape = (value: string) => value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
  return `${name}{${Object.entries(labels)
    .map(([label, value]) => `${label}="${escape(value)}"`)
    .join(",")}}`;
}

/** One generated series: its encoded labels and how its value moves with the instance's load. */
interface SeriesPlan {
  readonly name: string;
  /** Label names besides `__name__`, sorted and joined by commas. */
  readonly labelNames: string;
  readonly labels: Buffer;
  /** `name{label="value",…}` as OpenMetrics text writes the series. */
  readonly text: string;
  /** Counters add `increment(level) × seconds` per step; gauges and recorded rates are `value(level)`. */
  readonly kind: "counter" | "gauge";
  readonly perSecond: Float64Array;
}

export interface HistoryOptions {
  readonly instances: number;
  readonly startSeconds: number;
  readonly endSeconds: number;
  readonly stepSeconds: number;
  /** Also write raw GPU and node_exporter series (for the rules of the shape check), no recorded series. */
  readonly rawOnly?: boolean;
}

/** Every series of one instance, with its per-second value at each cached load level. */
function instancePlans(index: number, rawOnly: boolean): SeriesPlan[] {
  const plans: SeriesPlan[] = [];
  const model = BENCH_MODELS[index % BENCH_MODELS.length]!;
  const target = { job: BENCH_JOBS.vllm, instance: `sim-${index}:8000` };
  const engineLabels = { ...target, model_name: model, engine: "0" };
  const perLevel = (fn: (load: number) => number) => Float64Array.from({ length: LEVELS }, (_, levelIndex) => fn(levelLoad(levelIndex)));
  const add = (name: string, labels: Labels, kind: SeriesPlan["kind"], fn: (load: number) => number) =>
    plans.push({
      name,
      labelNames: Object.keys(labels).sort().join(","),
      labels: encodeLabels({ __name__: name, ...labels }),
      text: seriesText(name, labels),
      kind,
      perSecond: perLevel(fn),
    });
  const rate = (l: number) => BASE_RATE * l;
  for (const shape of shapes()) {
    const median = (l: number) => shape.median * (0.8 + 0.4 * l);
    const mean = (l: number) => median(l) * Math.exp((shape.sigma * shape.sigma) / 2);
    for (const edge of shape.edges) {
      const share = (l: number) => logNormalCdf(edge, median(l), shape.sigma);
      add(`${shape.family.name}_bucket`, { ...engineLabels, le: leText(edge) }, "counter", (l) => rate(l) * share(l));
      if (!rawOnly) add(bucketRecord(shape.signal), { ...engineLabels, le: leText(edge) }, "gauge", (l) => rate(l) * share(l));
    }
    add(`${shape.family.name}_bucket`, { ...engineLabels, le: "+Inf" }, "counter", rate);
    add(`${shape.family.name}_count`, engineLabels, "counter", rate);
    add(`${shape.family.name}_sum`, engineLabels, "counter", (l) => rate(l) * mean(l));
    if (rawOnly) continue;
    add(bucketRecord(shape.signal), { ...engineLabels, le: "+Inf" }, "gauge", rate);
    if (shape.signal.recordMean) {
      add(sumRecord(shape.signal), engineLabels, "gauge", (l) => rate(l) * mean(l));
      add(countRecord(shape.signal), engineLabels, "gauge", rate);
    }
  }
  const counters = counterSignals();
  for (const reason of FINISHED_REASONS) {
    add(vllm.requestSuccess.name, { ...engineLabels, finished_reason: reason }, "counter", (l) => rate(l) * REASON_SHARES[reason]!);
    if (!rawOnly)
      add(counterRecord(counters.requests), { ...engineLabels, finished_reason: reason }, "gauge", (l) => rate(l) * REASON_SHARES[reason]!);
  }
  const tokenCounters = [
    [vllm.promptTokens, counters.promptTokens, 320],
    [vllm.generationTokens, counters.generationTokens, 140],
    [vllm.numPreemptions, counters.preemptions, 0.01],
  ] as const;
  for (const [family, signal, perRequest] of tokenCounters) {
    add(family.name, engineLabels, "counter", (l) => rate(l) * perRequest * (l > 1.3 && family === vllm.numPreemptions ? 20 : 1));
    if (!rawOnly) add(counterRecord(signal), engineLabels, "gauge", (l) => rate(l) * perRequest);
  }
  add(vllm.prefixCacheQueries.name, engineLabels, "counter", (l) => rate(l) * 320);
  add(vllm.prefixCacheHits.name, engineLabels, "counter", (l) => rate(l) * 120);
  add(vllm.numRequestsRunning.name, engineLabels, "gauge", (l) => Math.round(20 * l));
  add(vllm.numRequestsWaiting.name, engineLabels, "gauge", (l) => Math.max(0, Math.round(10 * (l - 1.2))));
  add(vllm.kvCacheUsagePerc.name, engineLabels, "gauge", (l) => Math.min(1, 0.45 * l));
  for (const handler of ["/v1/chat/completions", "/v1/completions"]) {
    const handlerShare = handler === "/v1/chat/completions" ? 0.8 : 0.2;
    const statuses = { "2xx": 0.99 - ERROR_SHARE, "4xx": 0.01, "5xx": ERROR_SHARE } as const;
    for (const [status, share] of Object.entries(statuses)) {
      add(httpServer.requests.name, { ...target, handler, method: "POST", status }, "counter", (l) => rate(l) * handlerShare * share);
    }
    add(`${httpServer.requestDuration.name}_count`, { ...target, handler, method: "POST" }, "counter", (l) => rate(l) * handlerShare);
    add(`${httpServer.requestDuration.name}_sum`, { ...target, handler, method: "POST" }, "counter", (l) => rate(l) * handlerShare * 4 * l);
  }
  if (!rawOnly) add(API_FAILURES_RECORD, { ...target, model_name: model }, "gauge", (l) => rate(l) * ERROR_SHARE);
  // why: vLLM 0.32 counts the 503s of its admission caps (no engine label); a little load shedding under load.
  add(vllm.admissionRejections.name, { ...target, reason: "max_num_queued_reqs" }, "counter", (l) => rate(l) * 0.001 * l);
  if (rawOnly) {
    const host = `gpu-host-${index}`;
    const gpu = { job: BENCH_JOBS.gpu, instance: `${host}:9400`, gpu: "0", UUID: `GPU-${index}`, hostname: host };
    const gauges: readonly [MetricFamily, (l: number) => number][] = [
      [dcgm.gpuTemp, (l) => 50 + 15 * l],
      [dcgm.gpuUtil, (l) => 60 * l],
      [dcgm.powerUsage, (l) => 300 + 150 * l],
      [dcgm.fbUsed, () => 72_000],
      [dcgm.fbFree, () => 8_000],
      [dcgm.xidErrors, () => 0],
    ];
    for (const [family, fn] of gauges) add(family.name, gpu, "gauge", fn);
    const nodeTarget = { job: BENCH_JOBS.node, instance: `${host}:9100` };
    add(node.cpuSeconds.name, { ...nodeTarget, cpu: "0", mode: "idle" }, "counter", (l) => 1 - 0.3 * l);
    add(node.memoryTotalBytes.name, nodeTarget, "gauge", () => 1e12);
    add(node.memoryAvailableBytes.name, nodeTarget, "gauge", () => 6e11);
  }
  return plans;
}

/** Series of the whole fleet's aggregates (per job and model, per host, per job), as functions of the loads at one moment. */
interface FleetPlan {
  readonly name: string;
  readonly labelNames: string;
  readonly labels: Buffer;
  readonly text: string;
  value(loads: Float64Array): number;
}

function fleetPlans(instances: number): FleetPlan[] {
  const plans: FleetPlan[] = [];
  const add = (name: string, labels: Labels, value: (loads: Float64Array) => number) =>
    plans.push({
      name,
      labelNames: Object.keys(labels).sort().join(","),
      labels: encodeLabels({ __name__: name, ...labels }),
      text: seriesText(name, labels),
      value,
    });
  const byModel =
    (model: string, fn: (l: number) => number, combine: "sum" | "max" | "avg" = "sum") =>
    (loads: Float64Array) => {
      let total = combine === "max" ? Number.NEGATIVE_INFINITY : 0;
      let count = 0;
      for (let index = 0; index < loads.length; index += 1) {
        if (BENCH_MODELS[index % BENCH_MODELS.length] !== model) continue;
        const value = fn(loads[index]!);
        total = combine === "max" ? Math.max(total, value) : total + value;
        count += 1;
      }
      return combine === "avg" ? total / Math.max(1, count) : total;
    };
  const mean = (loads: Float64Array) => loads.reduce((sum, value) => sum + value, 0) / Math.max(1, loads.length);
  const histograms = histogramSignals();
  const shapeOf = new Map(shapes().map((shape) => [shape.signal.key, shape]));
  for (const model of BENCH_MODELS) {
    const labels = { job: BENCH_JOBS.vllm, model_name: model };
    for (const [reason, share] of Object.entries(REASON_SHARES))
      add(
        AGGREGATES.requests,
        { ...labels, finished_reason: reason },
        byModel(model, (l) => BASE_RATE * l * share),
      );
    add(
      AGGREGATES.promptTokens,
      labels,
      byModel(model, (l) => BASE_RATE * l * 320),
    );
    add(
      AGGREGATES.generationTokens,
      labels,
      byModel(model, (l) => BASE_RATE * l * 140),
    );
    add(
      AGGREGATES.preemptions,
      labels,
      byModel(model, (l) => BASE_RATE * l * 0.01),
    );
    add(
      AGGREGATES.running,
      labels,
      byModel(model, (l) => Math.round(20 * l)),
    );
    add(
      AGGREGATES.waiting,
      labels,
      byModel(model, (l) => Math.max(0, Math.round(10 * (l - 1.2)))),
    );
    add(
      AGGREGATES.kvUsageMax,
      labels,
      byModel(model, (l) => Math.min(1, 0.45 * l), "max"),
    );
    add(
      AGGREGATES.kvUsageAvg,
      labels,
      byModel(model, (l) => Math.min(1, 0.45 * l), "avg"),
    );
    for (const signal of [histograms.ttft, histograms.e2e, histograms.interTokenLatency]) {
      const shape = shapeOf.get(signal.key)!;
      for (const [quantile, z] of Object.entries(Z)) {
        add(
          quantileRecord(signal, Number(quantile)),
          labels,
          (loads) => shape.median * (0.8 + 0.4 * mean(loads)) * Math.exp(shape.sigma * z),
        );
      }
    }
    for (const [signal, edge] of [
      [histograms.ttft, 2.5],
      [histograms.e2e, 60],
    ] as const) {
      const shape = shapeOf.get(signal.key)!;
      add(sloRatioRecord(signal), labels, (loads) => logNormalCdf(edge, shape.median * (0.8 + 0.4 * mean(loads)), shape.sigma));
    }
    add(errorRatioRecord(), labels, () => ERROR_SHARE);
    for (const key of SLO_KEYS) {
      add(
        sloBadRateRecord(key),
        labels,
        byModel(model, (l) => BASE_RATE * l * ERROR_SHARE),
      );
      add(
        sloAllRateRecord(key),
        labels,
        byModel(model, (l) => BASE_RATE * l),
      );
      for (const window of SLO_WINDOWS) add(sloBadRatioRecord(key, window), labels, () => ERROR_SHARE);
      for (const window of SLO_LONG_WINDOWS)
        add(
          sloTrafficRecord(key, window),
          labels,
          byModel(model, (l) => BASE_RATE * l),
        );
    }
  }
  const all = (fn: (l: number) => number) => (loads: Float64Array) => loads.reduce((sum, l) => sum + fn(l), 0);
  for (const [status, share] of Object.entries({ "2xx": 0.99 - ERROR_SHARE, "4xx": 0.01, "5xx": ERROR_SHARE })) {
    add(
      AGGREGATES.httpRequests,
      { job: BENCH_JOBS.vllm, status },
      all((l) => BASE_RATE * l * share),
    );
  }
  add(
    AGGREGATES.admissionRejections,
    { job: BENCH_JOBS.vllm, reason: "max_num_queued_reqs" },
    all((l) => BASE_RATE * l * 0.001 * l),
  );
  add(AGGREGATES.http5xxRatio, { job: BENCH_JOBS.vllm }, () => ERROR_SHARE);
  for (let index = 0; index < instances; index += 1) {
    const host = { job: BENCH_JOBS.gpu, hostname: `gpu-host-${index}` };
    const at = (fn: (l: number) => number) => (loads: Float64Array) => fn(loads[index]!);
    add(AGGREGATES.gpus, host, () => 1);
    add(
      AGGREGATES.gpuUtilisation,
      host,
      at((l) => 60 * l),
    );
    add(
      AGGREGATES.gpuPower,
      host,
      at((l) => 300 + 150 * l),
    );
    add(
      AGGREGATES.gpuTemperature,
      host,
      at((l) => 50 + 15 * l),
    );
    add(AGGREGATES.gpuMemoryUsed, host, () => 0.9);
    add(AGGREGATES.gpuXid, host, () => 0);
    const nodeHost = { job: BENCH_JOBS.node, hostname: `gpu-host-${index}` };
    add(
      AGGREGATES.hostCpuBusy,
      nodeHost,
      at((l) => 30 * l),
    );
    add(AGGREGATES.hostMemoryUsed, nodeHost, () => 0.4);
  }
  const gpuJob = { job: BENCH_JOBS.gpu };
  add(AGGREGATES.jobGpus, gpuJob, () => instances);
  add(AGGREGATES.jobGpuUtilisation, gpuJob, (loads) => 60 * mean(loads));
  add(AGGREGATES.jobGpuUtilisationMax, gpuJob, (loads) => 60 * Math.max(...loads));
  add(
    AGGREGATES.jobGpuPower,
    gpuJob,
    all((l) => 300 + 150 * l),
  );
  add(AGGREGATES.jobGpuTemperature, gpuJob, (loads) => 50 + 15 * Math.max(...loads));
  return plans;
}

/** Series name → the label-name sets (sorted, comma-joined) the generator writes for it. */
export function generatedShapes(instances: number): Map<string, Set<string>> {
  const shapes = new Map<string, Set<string>>();
  const plans = [...Array.from({ length: instances }, (_, index) => instancePlans(index, false)).flat(), ...fleetPlans(instances)];
  for (const plan of plans) shapes.set(plan.name, (shapes.get(plan.name) ?? new Set()).add(plan.labelNames));
  return shapes;
}

/** How many series `writeHistory` writes. */
export function historySeries(options: Pick<HistoryOptions, "instances" | "rawOnly">): number {
  const perInstance = instancePlans(0, options.rawOnly ?? false).length;
  return perInstance * options.instances + (options.rawOnly ? 0 : fleetPlans(options.instances).length);
}

/** Steps per window: 5 minutes of samples for every series. */
const WINDOW_STEPS = 60;
/** Prometheus' block range: a window never spans two, so each 2-hour block's samples can be written apart. */
export const BLOCK_SECONDS = 7_200;

/** One series of the history as a sink receives it. */
export interface HistorySeries {
  /** Protobuf-encoded labels, for remote write. */
  readonly labels: Buffer;
  /** `name{label="value",…}`, for OpenMetrics text. */
  readonly text: string;
}

/** Where the history goes (remote write, OpenMetrics files): the generator is the same for both. */
export interface HistorySink {
  /** `count` samples of one series, from `firstSeconds` on at the step; `values` is reused after the call. */
  append(series: HistorySeries, values: Float64Array, count: number, firstSeconds: number): void;
  /** After each instance's series of a window: a place to send what has piled up. */
  afterInstance(): Promise<void>;
  /** After every series has its samples up to `endSeconds`. */
  windowEnd(endSeconds: number): Promise<void>;
}

/**
 * Generates the history in time order, window by window (every series advances 5 minutes at a
 * time, a window never crossing a 2-hour block boundary), into `sink`. Returns the number of samples.
 */
export async function generateHistory(options: HistoryOptions, sink: HistorySink): Promise<number> {
  const rawOnly = options.rawOnly ?? false;
  const instances = Array.from({ length: options.instances }, (_, index) => ({
    plans: instancePlans(index, rawOnly),
    state: new Float64Array(0),
  }));
  for (const instance of instances) instance.state = new Float64Array(instance.plans.length);
  const fleet = rawOnly ? [] : fleetPlans(options.instances);
  const values = new Float64Array(WINDOW_STEPS);
  const loads = new Float64Array(options.instances);
  const fleetValues = fleet.map(() => new Float64Array(WINDOW_STEPS));
  const step = options.stepSeconds;
  let samples = 0;
  const totalSteps = Math.floor((options.endSeconds - options.startSeconds) / step) + 1;
  for (let first = 0; first < totalSteps;) {
    const firstSeconds = options.startSeconds + first * step;
    const nextBlock = (Math.floor(firstSeconds / BLOCK_SECONDS) + 1) * BLOCK_SECONDS;
    const count = Math.min(WINDOW_STEPS, totalSteps - first, Math.ceil((nextBlock - firstSeconds) / step));
    for (let index = 0; index < instances.length; index += 1) {
      const { plans, state } = instances[index]!;
      const levels = Array.from({ length: count }, (_, at) => level(load(index, firstSeconds + at * step)));
      for (let series = 0; series < plans.length; series += 1) {
        const plan = plans[series]!;
        for (let at = 0; at < count; at += 1) {
          const perSecond = plan.perSecond[levels[at]!]!;
          if (plan.kind === "counter") {
            state[series] = state[series]! + Math.round(perSecond * step * 1000) / 1000;
            values[at] = state[series]!;
          } else values[at] = perSecond;
        }
        sink.append(plan, values, count, firstSeconds);
        samples += count;
      }
      await sink.afterInstance();
    }
    for (let at = 0; at < count; at += 1) {
      for (let index = 0; index < options.instances; index += 1) loads[index] = levelLoad(level(load(index, firstSeconds + at * step)));
      fleet.forEach((plan, series) => (fleetValues[series]![at] = plan.value(loads)));
    }
    fleet.forEach((plan, series) => sink.append(plan, fleetValues[series]!, count, firstSeconds));
    samples += fleet.length * count;
    await sink.windowEnd(firstSeconds + (count - 1) * step);
    first += count;
  }
  return samples;
}

const REQUEST_BYTES = 12 * 1024 * 1024;
const IN_FLIGHT = 3;

/**
 * Writes the history into a running Prometheus through its remote-write receiver, so Prometheus
 * appends in order and compacts the head into 2-hour blocks as it goes. `onWindow` runs after each
 * window, e.g. to wait for compaction to keep up. Returns the number of samples written.
 */
export async function writeHistory(
  prometheusUrl: string,
  options: HistoryOptions,
  onWindow: (endSeconds: number) => Promise<void> = async () => {},
): Promise<number> {
  const request = new ProtoWriter(REQUEST_BYTES + (1 << 20));
  const stepMillis = options.stepSeconds * 1000;
  // why: requests in flight while the next is built, so encoding here overlaps appending in Prometheus, on both cores;
  // the requests of one window hold different series, and each window waits for the one before (samples stay in order).
  const inFlight: Promise<void>[] = [];
  const flush = async () => {
    if (request.length === 0) return;
    const body = Buffer.from(request.view());
    request.reset();
    if (inFlight.length >= IN_FLIGHT) await inFlight.shift();
    inFlight.push(remoteWrite(prometheusUrl, body));
  };
  return generateHistory(options, {
    append: (series, values, count, firstSeconds) => appendSeries(request, series.labels, values, count, firstSeconds * 1000, stepMillis),
    afterInstance: async () => {
      if (request.length >= REQUEST_BYTES) await flush();
    },
    windowEnd: async (endSeconds) => {
      await flush();
      await Promise.all(inFlight.splice(0));
      await onWindow(endSeconds);
    },
  });
}
