import { metricsVersionSpec, type AdmissionReason, type KvConnector, type MetricsVersion } from "../../catalog/index.js";
import { Engine, type EngineObserver, type StepReport } from "./engine.js";
import { BLOCK_SIZE } from "./kv-cache.js";
import { INVALID_REQUEST_SHARE, LoadGenerator, type LoadProfile } from "./load.js";
import { LoraInfo, maxLorasFor } from "./lora-info.js";
import { Random } from "./random.js";
import type { FinishedRequest, RequestListener, RequestSpec } from "./request.js";
import { HttpMetrics, ProcessMetrics } from "../http/server-metrics.js";
import { VllmMetrics } from "../http/vllm-metrics.js";

export interface InstanceConfig {
  readonly index: number;
  readonly model: string;
  readonly engines: number;
  readonly seed: number;
  readonly metricsVersion: MetricsVersion;
  readonly load: LoadProfile;
  readonly latencies: boolean;
  readonly maxNumSeqs: number;
  readonly maxNumBatchedTokens: number;
  readonly kvBlocks: number;
  readonly maxModelLen: number;
  /** Draft tokens per speculative step; 0 is off. */
  readonly speculativeTokens: number;
  /** LoRA adapters of the built-in load; 0 is off. */
  readonly loraAdapters: number;
  readonly enableMfuMetrics: boolean;
  readonly kvCacheMetrics: boolean;
  readonly kvConnector: KvConnector | undefined;
  readonly multimodal: boolean;
  /** Admission cap on requests in flight, waiting or running (vLLM `--max-num-queued-reqs`); undefined is no cap. */
  readonly maxNumQueuedReqs: number | undefined;
  /** Admission cap on the prompt tokens of requests still in prefill (vLLM `--max-num-queued-tokens`); undefined is no cap. */
  readonly maxNumQueuedTokens: number | undefined;
  /** Shortest timer delay; many instances in one process use a coarser tick. */
  readonly minTickMs: number;
  readonly recordTokenTimes: boolean;
  /** performance.now() and Date.now() at the simulator's start (shared by all instances). */
  readonly startPerfMs: number;
  readonly startUnixMs: number;
  readonly processMetrics: ProcessMetrics;
  readonly onFinished?: (instance: SimulatedInstance, request: FinishedRequest) => void;
}

/**
 * One simulated vLLM server: its data-parallel engines, built-in load and metrics. Simulated time
 * follows the wall clock; a single timer per instance wakes at the next step end or arrival and
 * replays everything due, so 256 instances cost a few hundred timer callbacks per second.
 */
export class SimulatedInstance {
  readonly config: InstanceConfig;
  readonly engines: Engine[];
  readonly metrics: VllmMetrics;
  readonly http: HttpMetrics;
  private readonly lora: LoraInfo;
  private readonly load: LoadGenerator;
  /** Draws for what the API layer does with built-in requests (invalid ones, endpoints). */
  private readonly apiRandom: Random;
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private closed = false;
  /** 0 awake; 1 or 2 after POST /sleep?level=N (vLLM's sleep mode). */
  private sleepLevel: 0 | 1 | 2 = 0;

  constructor(config: InstanceConfig) {
    this.config = config;
    const random = new Random(config.seed * 1_000_003 + config.index);
    const spec = metricsVersionSpec(config.metricsVersion, {
      maxModelLen: config.maxModelLen,
      speculativeTokens: config.speculativeTokens,
      lora: config.loraAdapters > 0,
      kvCacheMetrics: config.kvCacheMetrics,
      ...(config.kvConnector === undefined ? {} : { kvConnector: config.kvConnector }),
    });
    const createdAt = config.startUnixMs / 1000;
    this.metrics = new VllmMetrics({
      spec,
      modelName: config.model,
      engines: config.engines,
      createdAt,
      speculativeTokens: config.speculativeTokens,
      // why: the 2026-08 line has always counted (kept exact); from 0.32 on, as in vLLM, only with --enable-mfu-metrics.
      countMfu: config.enableMfuMetrics || config.metricsVersion === "current",
      kvConnector: config.kvConnector,
      multimodal: config.multimodal,
      cacheConfig: {
        block_size: String(BLOCK_SIZE),
        cache_dtype: "auto",
        enable_prefix_caching: "True",
        gpu_memory_utilization: "0.9",
        num_cpu_blocks: "0",
        num_gpu_blocks: String(config.kvBlocks),
      },
    });
    this.http = new HttpMetrics(spec.createdSeries, createdAt);
    this.lora = new LoraInfo(spec, config.loraAdapters);
    const observer = this.observer();
    this.engines = Array.from(
      { length: config.engines },
      (_, index) =>
        new Engine({
          index,
          maxNumSeqs: config.maxNumSeqs,
          maxNumBatchedTokens: config.maxNumBatchedTokens,
          kvBlocks: config.kvBlocks,
          latencies: config.latencies,
          ...(config.loraAdapters > 0 ? { maxLoras: maxLorasFor(config.loraAdapters) } : {}),
          recordTokenTimes: config.recordTokenTimes,
          random: random.fork(),
          observer,
        }),
    );
    this.load = new LoadGenerator(config.load, {
      random: random.fork(),
      engines: config.engines,
      maxModelLen: config.maxModelLen,
      idPrefix: `load-${config.index}`,
      loraAdapters: config.loraAdapters,
    });
    this.apiRandom = random.fork();
    this.wake();
  }

  private observer(): EngineObserver {
    const metrics = this.metrics;
    const onFinished = this.config.onFinished;
    return {
      step: (engine: number, report: StepReport) => metrics.step(engine, report),
      preempted: (engine: number) => metrics.preempted(engine),
      prefixLookup: (engine: number, queried: number, hits: number) => metrics.prefixLookup(engine, queried, hits),
      firstToken: (engine: number, ttft: number, prompt: number, cached: number) => metrics.firstToken(engine, ttft, prompt, cached),
      interToken: (engine: number, seconds: number) => metrics.interToken(engine, seconds),
      finished: (engine: number, request: FinishedRequest) => {
        metrics.finished(engine, request);
        if (request.origin === "load")
          this.recordLoadHttp(request.reason === "error" ? 500 : 200, request.finish - request.arrival, request.finish);
        onFinished?.(this, request);
      },
    };
  }

  /**
   * What the API server's HTTP metrics see of a built-in request: chat or plain completions, the
   * status (streams that the engine fails still end in 500 here, as a non-streamed call would) and its duration.
   */
  private recordLoadHttp(status: number, seconds: number, at: number): void {
    const handler = this.apiRandom.chance(0.8) ? "/v1/chat/completions" : "/v1/completions";
    this.http.record(handler, "POST", status, 2_000, status === 200 ? 1_500 : 200, Math.max(0, seconds), this.unixTime(at));
  }

  /** Simulated seconds since the simulator started. */
  now(): number {
    return (performance.now() - this.config.startPerfMs) / 1000;
  }

  /** Unix seconds of a simulated time. */
  unixTime(simulated: number): number {
    return this.config.startUnixMs / 1000 + simulated;
  }

  /**
   * vLLM's admission caps, checked in the frontend across every engine before a request enters one
   * (vLLM PR #49445): `--max-num-queued-reqs` counts the requests in flight, waiting and running;
   * `--max-num-queued-tokens` the whole prompts of those not past prefill (no output token yet).
   * Either reached refuses the request with HTTP 503; the request cap is checked first. A request
   * with `n` > 1 takes `slots` = n places under the request cap: vLLM V1 fans it out into n child
   * requests (vllm/v1/engine/async_llm.py, ParentRequest), each one in flight. Returns the reason
   * that fired, counted, or undefined when the request is admitted.
   */
  admissionRejected(slots = 1): AdmissionReason | undefined {
    const reason = this.admissionCapReached(slots);
    if (reason !== undefined) this.metrics.admissionRejected(reason);
    return reason;
  }

  private admissionCapReached(slots: number): AdmissionReason | undefined {
    const { maxNumQueuedReqs, maxNumQueuedTokens } = this.config;
    if (maxNumQueuedReqs !== undefined) {
      const inFlight = this.engines.reduce((total, engine) => total + engine.numWaiting + engine.numRunning, 0);
      if (inFlight + slots > maxNumQueuedReqs) return "max_num_queued_reqs";
    }
    if (maxNumQueuedTokens !== undefined) {
      const prefillTokens = this.engines.reduce((total, engine) => total + engine.prefillPromptTokens, 0);
      if (prefillTokens >= maxNumQueuedTokens) return "max_num_queued_tokens";
    }
    return undefined;
  }

  /** vLLM's POST /sleep?level=N: the engines stop taking built-in load until woken. */
  sleep(level: 1 | 2): void {
    this.advanceTo(this.now());
    this.sleepLevel = level;
  }

  /** vLLM's POST /wake_up. */
  wakeUp(): void {
    this.advanceTo(this.now());
    this.sleepLevel = 0;
  }

  get sleeping(): boolean {
    return this.sleepLevel !== 0;
  }

  /** Submits an API request to the least-loaded engine; returns that engine's index. */
  submit(spec: RequestSpec, listener: RequestListener): number {
    const now = this.now();
    this.advanceTo(now);
    const engine = this.leastLoaded();
    engine.add(spec, listener, now);
    this.wake();
    return engine.index;
  }

  abort(id: string, engineIndex: number): void {
    this.engines[engineIndex]?.abort(id, this.now());
    this.wake();
  }

  private leastLoaded(): Engine {
    let best = this.engines[0] as Engine;
    for (const engine of this.engines) if (engine.load < best.load) best = engine;
    return best;
  }

  /** Replays arrivals and engine steps up to simulated time `time`. */
  advanceTo(time: number): void {
    for (let arrival = this.load.nextArrival(); arrival !== undefined && arrival <= time; arrival = this.load.nextArrival()) {
      for (const engine of this.engines) engine.advanceTo(arrival);
      const spec = this.load.take();
      // why: a sleeping server's clients are assumed routed elsewhere; its built-in load pauses.
      if (this.sleepLevel !== 0) continue;
      // why: the API server answers some requests with 400 (context too long, bad parameters) before the engine sees them.
      if (this.apiRandom.chance(INVALID_REQUEST_SHARE)) this.recordLoadHttp(400, 0.002, arrival);
      else if (this.admissionRejected() !== undefined) this.recordLoadHttp(503, 0.001, arrival);
      else this.leastLoaded().add(spec, undefined, arrival);
    }
    for (const engine of this.engines) engine.advanceTo(time);
  }

  private tick(): void {
    this.timer = undefined;
    this.immediate = undefined;
    if (this.closed) return;
    this.advanceTo(this.now());
    this.wake();
  }

  /** (Re)arms the single timer for the next thing due. */
  private wake(): void {
    if (this.closed) return;
    let next = this.load.nextArrival();
    for (const engine of this.engines) {
      const end = engine.nextEventTime();
      if (end !== undefined && (next === undefined || end < next)) next = end;
    }
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (next === undefined) return;
    const delayMs = (next - this.now()) * 1000;
    if (delayMs <= 0 && !this.config.latencies) {
      this.immediate ??= setImmediate(() => this.tick());
      return;
    }
    this.timer = setTimeout(() => this.tick(), Math.max(this.config.minTickMs, delayMs));
  }

  /** The whole `/metrics` page. */
  renderMetrics(): string {
    const now = this.now();
    this.advanceTo(now);
    const lora = this.engines.map((engine) => engine.loraUse());
    this.lora.update(lora, this.unixTime(now));
    this.metrics.updateGauges(
      this.engines.map((engine, index) => ({
        running: engine.numRunning,
        waiting: engine.numWaiting,
        deferred: this.lora.deferred(lora[index] as (typeof lora)[number]),
        kvUsage: engine.pool.usage(),
        sleepLevel: this.sleepLevel,
      })),
      now,
    );
    const out: string[] = [];
    this.config.processMetrics.render(out);
    this.metrics.render(out);
    this.lora.render(out);
    this.http.render(out);
    return out.join("");
  }

  /** Stops the built-in load as of now; the engines finish what they hold. */
  stopLoad(): void {
    this.advanceTo(this.now());
    this.load.stop();
    this.wake();
  }

  /** No request waiting or running on any engine (as of now). */
  idle(): boolean {
    this.advanceTo(this.now());
    return this.engines.every((engine) => engine.numRunning === 0 && engine.numWaiting === 0);
  }

  close(): void {
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    if (this.immediate !== undefined) clearImmediate(this.immediate);
  }
}
