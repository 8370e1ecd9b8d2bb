import { BLOCK_SIZE, BlockPool } from "./kv-cache.js";
import type { Random } from "./random.js";
import {
  newSimRequest,
  totalTokens,
  type FinishReason,
  type FinishedRequest,
  type RequestListener,
  type RequestSpec,
  type SimRequest,
} from "./request.js";

/** What one engine step did, for iteration metrics and the GPU model. */
export interface StepReport {
  readonly computedPromptTokens: number;
  readonly generatedTokens: number;
  readonly contextTokens: number;
  readonly duration: number;
}

/** Receives the engine's events; the metrics registry and the ground-truth writer implement it. */
export interface EngineObserver {
  step(engine: number, report: StepReport): void;
  preempted(engine: number): void;
  prefixLookup(engine: number, queriedTokens: number, hitTokens: number): void;
  firstToken(engine: number, ttft: number, promptTokens: number, cachedTokens: number): void;
  interToken(engine: number, seconds: number): void;
  finished(engine: number, request: FinishedRequest): void;
}

export interface EngineConfig {
  readonly index: number;
  readonly maxNumSeqs: number;
  readonly maxNumBatchedTokens: number;
  readonly kvBlocks: number;
  /** false: every step takes no time (benchmark profile). */
  readonly latencies: boolean;
  /** Distinct LoRA adapters one batch may hold (vLLM --max-loras); absent: no limit. */
  readonly maxLoras?: number;
  readonly recordTokenTimes: boolean;
  readonly random: Random;
  readonly observer: EngineObserver;
}

/**
 * Step time of an H200-class GPU serving an 8B model: a fixed launch cost, prefill linear in the
 * computed prompt tokens, decode growing with the batch and with the context it reads.
 */
export function stepDuration(prefillTokens: number, decodeSequences: number, contextTokens: number, jitter: number): number {
  return (0.006 + prefillTokens * 2.5e-5 + decodeSequences * 6e-5 + contextTokens * 4e-8) * jitter;
}

/**
 * One vLLM engine core (V1 scheduler): continuous batching up to max_num_seqs and a token budget
 * per step, chunked prefill, a paged KV cache with prefix caching, recompute-style preemption of
 * the most recently scheduled request when blocks run out. Time is simulated: `advanceTo` replays
 * every step that ends by then, so the outcome does not depend on timer precision.
 */
export class Engine {
  readonly index: number;
  readonly pool: BlockPool;
  private readonly config: EngineConfig;
  private readonly waiting: SimRequest[] = [];
  private readonly running: SimRequest[] = [];
  private readonly byId = new Map<string, SimRequest>();
  private inFlight: { request: SimRequest; tokens: number }[] = [];
  private inFlightReport: Omit<StepReport, "generatedTokens"> = { computedPromptTokens: 0, contextTokens: 0, duration: 0 };
  private stepEnd: number | undefined;
  private lastPatienceCheck = 0;
  /** Simulated seconds the GPU was busy, for utilization. */
  busySeconds = 0;
  /** Busy seconds weighted by how hard each step drives the GPU (small decode batches are light), for power and heat. */
  intenseSeconds = 0;

  constructor(config: EngineConfig) {
    this.config = config;
    this.index = config.index;
    this.pool = new BlockPool(config.kvBlocks);
  }

  get numRunning(): number {
    return this.running.length;
  }

  get numWaiting(): number {
    return this.waiting.length;
  }

  /** Whole prompt tokens of the requests that have no output token yet (waiting, or running their prefill). */
  get prefillPromptTokens(): number {
    let tokens = 0;
    for (const request of this.waiting) if (request.firstToken === undefined) tokens += request.spec.promptTokens;
    for (const request of this.running) if (request.firstToken === undefined) tokens += request.spec.promptTokens;
    return tokens;
  }

  /** Requests this engine holds, for least-loaded dispatch. */
  get load(): number {
    return this.running.length + this.waiting.length;
  }

  /** Whether a request for `adapter` may join a batch already holding `running` adapters. */
  loraFits(adapter: string | undefined, running: ReadonlySet<string>): boolean {
    const limit = this.config.maxLoras;
    return adapter === undefined || limit === undefined || running.has(adapter) || running.size < limit;
  }

  /** The LoRA adapters of the running requests, and the adapter of each waiting one (base-model requests left out). */
  loraUse(): { readonly running: ReadonlySet<string>; readonly waiting: readonly string[] } {
    const adapterOf = (request: SimRequest) => request.spec.loraAdapter;
    const running = new Set(this.running.map(adapterOf).filter((adapter): adapter is string => adapter !== undefined));
    return { running, waiting: this.waiting.map(adapterOf).filter((adapter): adapter is string => adapter !== undefined) };
  }

  /** When the step in flight ends, or undefined when idle. */
  nextEventTime(): number | undefined {
    return this.stepEnd;
  }

  add(spec: RequestSpec, listener: RequestListener | undefined, time: number): void {
    this.advanceTo(time);
    const request = newSimRequest(spec, listener, time, this.config.recordTokenTimes);
    this.waiting.push(request);
    this.byId.set(spec.id, request);
    if (this.stepEnd === undefined) this.startStep(time);
  }

  /** The client went away: free the request's blocks and finish it with `abort`. */
  abort(id: string, time: number): void {
    this.advanceTo(time);
    const request = this.byId.get(id);
    if (request !== undefined) this.finish(request, "abort", time);
  }

  advanceTo(time: number): void {
    while (this.stepEnd !== undefined && this.stepEnd <= time) {
      const end = this.stepEnd;
      this.completeStep(end);
      this.stepEnd = undefined;
      this.startStep(end);
    }
  }

  private startStep(time: number): void {
    this.dropImpatient(time);
    if (this.waiting.length === 0 && this.running.length === 0) return;
    let scheduled = this.schedule(time);
    // why: after preempting every running request the cache is empty and the queue head may fit.
    if (scheduled.length === 0 && this.running.length === 0) scheduled = this.schedule(time);
    if (scheduled.length === 0) {
      // why: a prompt larger than the whole cache can never run; vLLM rejects it, we fail it.
      const head = this.waiting[0];
      if (this.running.length === 0 && head !== undefined) {
        this.finish(head, "error", time);
        this.startStep(time);
      }
      return;
    }
    let prefillTokens = 0;
    let decodeSequences = 0;
    let contextTokens = 0;
    for (const { request, tokens } of scheduled) {
      if (request.generated > 0 && tokens === 1) decodeSequences += 1;
      else prefillTokens += tokens;
      contextTokens += request.computed;
    }
    const jitter = 0.95 + this.config.random.next() * 0.1;
    const duration = this.config.latencies ? stepDuration(prefillTokens, decodeSequences, contextTokens, jitter) : 0;
    this.busySeconds += duration;
    this.intenseSeconds += duration * Math.min(1, 0.3 + (0.7 * (prefillTokens + decodeSequences * 8)) / 512);
    this.inFlight = scheduled;
    this.inFlightReport = { computedPromptTokens: prefillTokens, contextTokens, duration };
    this.stepEnd = time + duration;
  }

  private schedule(time: number): { request: SimRequest; tokens: number }[] {
    const scheduled: { request: SimRequest; tokens: number }[] = [];
    let budget = this.config.maxNumBatchedTokens;
    let preempted = false;
    for (let i = 0; i < this.running.length && budget > 0; i += 1) {
      const request = this.running[i] as SimRequest;
      const tokens = Math.min(totalTokens(request) - request.computed, budget);
      if (tokens <= 0) continue;
      const needed = this.blocksNeeded(request, tokens);
      let selfPreempted = false;
      while (!this.pool.allocate(request, needed)) {
        const victim = this.running.pop() as SimRequest;
        this.preempt(victim);
        preempted = true;
        if (victim === request) {
          selfPreempted = true;
          break;
        }
      }
      if (selfPreempted) break;
      scheduled.push({ request, tokens });
      budget -= tokens;
    }
    if (preempted) return scheduled;
    while (this.waiting.length > 0 && this.running.length < this.config.maxNumSeqs && budget > 0) {
      const request = this.waiting[0] as SimRequest;
      // why: a request whose adapter would exceed --max-loras waits (vLLM counts it as deferred).
      if (!this.loraFits(request.spec.loraAdapter, this.loraUse().running)) break;
      const hits = this.lookUpPrefix(request);
      const tokens = Math.min(totalTokens(request) - request.computed, budget);
      if (!this.pool.allocate(request, this.blocksNeeded(request, tokens))) {
        this.pool.release(request);
        request.computed = 0;
        request.registeredBlocks = 0;
        break;
      }
      if (!request.lookedUp) {
        request.lookedUp = true;
        request.cachedTokens = hits;
      }
      this.config.observer.prefixLookup(this.index, request.spec.promptTokens, hits);
      this.waiting.shift();
      request.state = "running";
      request.scheduled ??= time;
      this.running.push(request);
      scheduled.push({ request, tokens });
      budget -= tokens;
    }
    return scheduled;
  }

  /** References the cached prefix of a request about to be scheduled; returns the hit tokens. */
  private lookUpPrefix(request: SimRequest): number {
    const hashes = request.spec.promptBlockHashes;
    // why: the last prompt token is always computed, so a full-prompt hit still leaves one block.
    const limit = Math.floor((totalTokens(request) - 1) / BLOCK_SIZE);
    const hitBlocks = this.pool.longestCachedPrefix(hashes, limit);
    for (let block = 0; block < hitBlocks; block += 1) this.pool.acquire(request, hashes[block] as number);
    request.registeredBlocks = hitBlocks;
    request.computed = hitBlocks * BLOCK_SIZE;
    return hitBlocks * BLOCK_SIZE;
  }

  private blocksNeeded(request: SimRequest, tokens: number): number {
    return Math.ceil((request.computed + tokens) / BLOCK_SIZE) - request.hashedBlocks.length - request.privateBlocks;
  }

  private preempt(request: SimRequest): void {
    this.pool.release(request);
    request.computed = 0;
    request.registeredBlocks = 0;
    request.preemptions += 1;
    request.state = "waiting";
    this.waiting.unshift(request);
    this.config.observer.preempted(this.index);
  }

  private completeStep(time: number): void {
    let generated = 0;
    for (const { request, tokens } of this.inFlight) {
      if (request.state !== "running") continue;
      request.computed += tokens;
      this.registerFullBlocks(request);
      if (request.computed < totalTokens(request)) continue;
      generated += 1;
      this.emitToken(request, time);
    }
    this.inFlight = [];
    this.config.observer.step(this.index, { ...this.inFlightReport, generatedTokens: generated });
  }

  private registerFullBlocks(request: SimRequest): void {
    const hashes = request.spec.promptBlockHashes;
    while (request.registeredBlocks < hashes.length && (request.registeredBlocks + 1) * BLOCK_SIZE <= request.computed) {
      this.pool.register(request, hashes[request.registeredBlocks] as number);
      request.registeredBlocks += 1;
    }
  }

  private emitToken(request: SimRequest, time: number): void {
    request.generated += 1;
    const observer = this.config.observer;
    if (request.firstToken === undefined) {
      request.firstToken = time;
      observer.firstToken(this.index, time - request.arrival, request.spec.promptTokens, request.cachedTokens);
    } else if (request.lastToken !== undefined) {
      observer.interToken(this.index, time - request.lastToken);
    }
    request.lastToken = time;
    request.tokenTimes?.push(time);
    request.listener?.onToken?.(request.generated - 1, time);
    const spec = request.spec;
    if (spec.errorAfterTokens !== undefined && request.generated >= spec.errorAfterTokens) this.finish(request, "error", time);
    else if (spec.abortAfterTokens !== undefined && request.generated >= spec.abortAfterTokens) this.finish(request, "abort", time);
    else if (request.generated >= spec.maxTokens) this.finish(request, "length", time);
    else if (request.generated >= spec.naturalLength) this.finish(request, "stop", time);
  }

  /** Built-in clients give up on requests queued too long, as real clients time out. */
  private dropImpatient(time: number): void {
    if (time - this.lastPatienceCheck < 1) return;
    this.lastPatienceCheck = time;
    const expired = this.waiting.filter(
      (r) => r.spec.patienceSeconds !== undefined && r.scheduled === undefined && time - r.arrival > r.spec.patienceSeconds,
    );
    for (const request of expired) this.finish(request, "abort", time);
  }

  private finish(request: SimRequest, reason: FinishReason, time: number): void {
    if (request.state === "finished") return;
    const list = request.state === "running" ? this.running : this.waiting;
    const position = list.indexOf(request);
    if (position >= 0) list.splice(position, 1);
    request.state = "finished";
    this.pool.release(request);
    this.byId.delete(request.spec.id);
    const spec = request.spec;
    const finished: FinishedRequest = {
      id: spec.id,
      engine: this.index,
      origin: spec.origin,
      arrival: request.arrival,
      scheduled: request.scheduled,
      firstToken: request.firstToken,
      finish: time,
      promptTokens: spec.promptTokens,
      cachedTokens: request.cachedTokens,
      generationTokens: request.generated,
      maxTokens: spec.maxTokens,
      maxTokensParam: spec.maxTokensParam,
      paramsN: spec.paramsN,
      preemptions: request.preemptions,
      reason,
      tokenTimes: request.tokenTimes,
    };
    this.config.observer.finished(this.index, finished);
    request.listener?.onFinish?.(finished);
  }
}
