import {
  connectorIncludes,
  type KvConnector,
  type MetricSource,
  type MetricsVersionSpec,
  type VersionedFamily,
} from "../../catalog/index.js";
import type { EngineObserver, StepReport } from "../engine/engine.js";
import { Family, type Child } from "./exposition.js";
import type { FinishedRequest } from "../engine/request.js";

/** Per-engine gauge readings, taken just before a scrape is rendered. */
export interface EngineGauges {
  readonly running: number;
  readonly waiting: number;
  /** Waiting requests held back by a transient constraint (here: the LoRA budget), part of `waiting`. */
  readonly deferred: number;
  readonly kvUsage: number;
  /** 0 awake, 1 or 2: vLLM's sleep level. */
  readonly sleepLevel: 0 | 1 | 2;
}

export interface VllmMetricsOptions {
  readonly spec: MetricsVersionSpec;
  readonly modelName: string;
  readonly engines: number;
  /** Label values of vllm:cache_config_info besides `engine`. */
  readonly cacheConfig: Readonly<Record<string, string>>;
  /** Unix seconds, for `_created`. */
  readonly createdAt: number;
  /** Draft tokens per speculative step (0: speculative decoding off). */
  readonly speculativeTokens: number;
  /** The MFU counters count (vLLM `--enable-mfu-metrics`); otherwise they stay at 0. */
  readonly countMfu: boolean;
  readonly kvConnector: KvConnector | undefined;
  /** Each request carries one multimodal item (the mm cache counters move). */
  readonly multimodal: boolean;
}

interface Binding {
  readonly family: Family;
  readonly entry: VersionedFamily;
  /** children[engineSlot][extraIndex] */
  readonly children: Child[][];
  readonly extraValues: readonly string[];
}

// why: an 8B model in bf16; these only feed the MFU counters.
const FLOPS_PER_TOKEN = 2 * 8e9;
const WEIGHT_BYTES = 16e9;
const KV_BYTES_PER_TOKEN = 131_072;
/** Chance that the draft token at position 0 is accepted; each later position is accepted less often. */
const FIRST_POSITION_ACCEPTANCE = 0.78;
const ACCEPTANCE_DECAY = 0.8;
/** NIXL: the share of the prompt a decode instance receives from its prefill peer, and the link speed. */
const EXTERNAL_SHARE = 0.5;
const NIXL_BYTES_PER_SECOND = 25e9;
/** CPU offloading: PCIe-class copy speed. */
const OFFLOAD_BYTES_PER_SECOND = 20e9;
const TOKENS_PER_BLOCK = 16;

/**
 * The `vllm:` families of one server for one release line, fed by engine events. Every child
 * (each engine, each finished_reason, …) exists from the start, as in vLLM.
 */
export class VllmMetrics implements EngineObserver {
  private readonly options: VllmMetricsOptions;
  private readonly bindings: Binding[] = [];
  private readonly bySource = new Map<MetricSource, Binding[]>();
  private readonly engineSlots: number;
  private readonly throughputWindow = { at: 0, prompt: 0, generation: 0, promptRate: 0, generationRate: 0 };
  private readonly totals = { prompt: 0, generation: 0, queries: 0, hits: 0 };

  constructor(options: VllmMetricsOptions) {
    this.options = options;
    const { spec } = options;
    this.engineSlots = spec.engineLabel ? options.engines : 1;
    // why: the LoRA info gauge has dynamic children (one per adapter set); LoraInfo writes it.
    for (const entry of spec.families.filter((item) => item.source !== "loraInfo")) {
      const family = new Family(entry.family, spec.createdSeries);
      const extraName = entry.family.labels.find((label) => entry.labelValues?.[label] !== undefined);
      const extraValues = extraName === undefined ? [""] : (entry.labelValues?.[extraName] ?? [""]);
      const children: Child[][] = [];
      // why: a frontend family (admission rejections) has no engine label: one child set per server.
      const slots = entry.family.labels.includes("engine") ? this.engineSlots : 1;
      for (let slot = 0; slot < slots; slot += 1) {
        children.push(
          extraValues.map((extra) =>
            family.child(
              entry.family.labels.map((label) => this.labelValue(label, slot, extraName, extra)),
              options.createdAt,
            ),
          ),
        );
      }
      const binding: Binding = { family, entry, children, extraValues };
      this.bindings.push(binding);
      const list = this.bySource.get(entry.source) ?? [];
      list.push(binding);
      this.bySource.set(entry.source, list);
    }
    this.setConstantGauges();
  }

  private labelValue(label: string, slot: number, extraName: string | undefined, extra: string): string {
    if (label === "model_name") return this.options.modelName;
    if (label === "engine") return String(slot);
    if (label === extraName) return extra;
    return this.options.cacheConfig[label] ?? "";
  }

  private setConstantGauges(): void {
    for (const binding of this.bySource.get("cacheConfig") ?? [])
      for (const row of binding.children) for (const child of row) child.value = 1;
    for (const binding of this.bySource.get("sleepState") ?? []) {
      for (const row of binding.children) row.forEach((child, index) => (child.value = binding.extraValues[index] === "awake" ? 1 : 0));
    }
  }

  private slot(engine: number): number {
    return this.options.spec.engineLabel ? engine : 0;
  }

  private add(source: MetricSource, engine: number, amount: number, extra?: string): void {
    const bindings = this.bySource.get(source);
    if (bindings === undefined) return;
    for (const binding of bindings) {
      const row = (binding.children[this.slot(engine)] ?? binding.children[0]) as Child[];
      const index = extra === undefined ? 0 : binding.extraValues.indexOf(extra);
      const child = row[index];
      if (child !== undefined) child.value += amount;
    }
  }

  private observe(source: MetricSource, engine: number, value: number): void {
    const bindings = this.bySource.get(source);
    if (bindings === undefined) return;
    for (const binding of bindings) binding.family.observe((binding.children[this.slot(engine)] as Child[])[0] as Child, value);
  }

  private setGauge(source: MetricSource, slot: number, value: number, extraIndex = 0): void {
    for (const binding of this.bySource.get(source) ?? []) {
      const child = binding.children[slot]?.[extraIndex];
      if (child !== undefined) child.value = value;
    }
  }

  step(engine: number, report: StepReport): void {
    const tokens = report.computedPromptTokens + report.generatedTokens;
    if (tokens > 0) this.observe("iterationTokens", engine, tokens);
    this.add("generationTokens", engine, report.generatedTokens);
    this.add("tokens", engine, report.generatedTokens);
    this.totals.generation += report.generatedTokens;
    if (this.options.countMfu) {
      this.add("estimatedFlops", engine, tokens * FLOPS_PER_TOKEN);
      if (tokens > 0) this.add("estimatedReadBytes", engine, WEIGHT_BYTES + report.contextTokens * KV_BYTES_PER_TOKEN);
      this.add("estimatedWriteBytes", engine, tokens * KV_BYTES_PER_TOKEN);
    }
    this.speculate(engine, report.generatedTokens);
  }

  /**
   * Speculative decoding of one step: every sequence that produced a token proposed k draft tokens;
   * position i is accepted only if every earlier one was. Expected counts, so a busy server pays no
   * random draw per sequence; the counters render their whole part.
   */
  private speculate(engine: number, sequences: number): void {
    const k = this.options.speculativeTokens;
    if (k === 0 || sequences === 0) return;
    let accepted = 0;
    let reach = 1;
    for (let position = 0; position < k; position += 1) {
      reach *= FIRST_POSITION_ACCEPTANCE * ACCEPTANCE_DECAY ** position;
      this.add("specAcceptedPerPosition", engine, sequences * reach, String(position));
      accepted += sequences * reach;
    }
    this.add("specDrafts", engine, sequences);
    this.add("specDraftTokens", engine, sequences * k);
    this.add("specAcceptedTokens", engine, accepted);
    // why: V0 counted the bonus token of every draft as emitted too.
    this.add("specEmittedTokens", engine, accepted + sequences);
  }

  preempted(engine: number): void {
    this.add("preemptions", engine, 1);
  }

  prefixLookup(engine: number, queriedTokens: number, hitTokens: number): void {
    this.add("prefixQueries", engine, queriedTokens);
    this.add("prefixHits", engine, hitTokens);
    this.totals.queries += queriedTokens;
    this.totals.hits += hitTokens;
  }

  firstToken(engine: number, ttft: number, promptTokens: number, cachedTokens: number): void {
    this.observe("ttft", engine, ttft);
    this.add("promptTokens", engine, promptTokens);
    this.add("tokens", engine, promptTokens);
    this.totals.prompt += promptTokens;
    const external = this.externalKv(engine, promptTokens - cachedTokens);
    this.add("promptTokensCached", engine, cachedTokens + external);
    this.add("promptTokensBySource", engine, promptTokens - cachedTokens - external, "local_compute");
    this.add("promptTokensBySource", engine, cachedTokens, "local_cache_hit");
    this.add("promptTokensBySource", engine, external, "external_kv_transfer");
    if (this.options.multimodal) {
      // why: a shared prefix stands for the same system image; its encoder output is cached.
      this.add("mmCacheQueries", engine, 1);
      this.add("mmCacheHits", engine, cachedTokens > 0 ? 1 : 0);
    }
    if (connectorIncludes(this.options.kvConnector, "offload") && cachedTokens > 0) this.offloadTransfer(engine, "load", cachedTokens);
  }

  /**
   * NIXL disaggregated prefill, as seen on the decode side: the tokens the local prefix cache
   * missed are looked up at the prefill peer, and a share of them arrives over NIXL. Returns the tokens received.
   */
  private externalKv(engine: number, missedTokens: number): number {
    if (!connectorIncludes(this.options.kvConnector, "nixl") || missedTokens <= 0) return 0;
    const received = Math.floor(missedTokens * EXTERNAL_SHARE);
    this.add("externalPrefixQueries", engine, missedTokens);
    this.add("externalPrefixHits", engine, received);
    if (received === 0) return 0;
    const bytes = received * KV_BYTES_PER_TOKEN;
    this.observe("nixlXferTime", engine, bytes / NIXL_BYTES_PER_SECOND);
    this.observe("nixlPostTime", engine, 0.0008);
    this.observe("nixlBytes", engine, bytes);
    this.observe("nixlDescriptors", engine, Math.ceil(received / TOKENS_PER_BLOCK));
    return received;
  }

  /** One CPU-offloading transfer of `tokens` tokens of KV: counters, sizes and the lookup before it. */
  private offloadTransfer(engine: number, direction: "load" | "store", tokens: number): void {
    const bytes = tokens * KV_BYTES_PER_TOKEN;
    const seconds = bytes / OFFLOAD_BYTES_PER_SECOND;
    if (direction === "load") {
      this.add("offloadLoadBytes", engine, bytes);
      this.add("offloadLoadTime", engine, seconds);
      this.observe("offloadLoadSize", engine, bytes);
      this.observe("offloadLookupSyncDelay", engine, 0.00008);
      // why: a lookup that found its blocks in offload storage defers until the load lands.
      this.observe("offloadLookupAsyncDelay", engine, seconds);
    } else {
      this.add("offloadStoreBytes", engine, bytes);
      this.add("offloadStoreTime", engine, seconds);
      this.observe("offloadStoreSize", engine, bytes);
    }
  }

  /** A request the frontend refused under an admission cap (HTTP 503). */
  admissionRejected(reason: string): void {
    this.add("admissionRejections", 0, 1, reason);
  }

  interToken(engine: number, seconds: number): void {
    this.observe("itl", engine, seconds);
  }

  finished(engine: number, request: FinishedRequest): void {
    this.add("requestSuccess", engine, 1, request.reason);
    this.observe("requestPromptTokens", engine, request.promptTokens);
    this.observe("requestGenerationTokens", engine, request.generationTokens);
    this.observe("requestMaxGenerationTokens", engine, request.maxTokens);
    this.observe("requestParamsN", engine, request.paramsN ?? 1);
    if (request.maxTokensParam !== undefined) this.observe("requestParamsMaxTokens", engine, request.maxTokensParam);
    this.observe("e2e", engine, request.finish - request.arrival);
    this.observe("requestPreemptions", engine, request.preemptions);
    if (request.scheduled === undefined) return;
    this.residency(engine, request);
    if (connectorIncludes(this.options.kvConnector, "offload"))
      this.offloadTransfer(engine, "store", request.promptTokens + request.generationTokens);
    this.observe("queue", engine, request.scheduled - request.arrival);
    this.observe("inference", engine, request.finish - request.scheduled);
    this.observe("prefillKvComputed", engine, request.promptTokens - request.cachedTokens);
    if (request.firstToken === undefined) return;
    this.observe("prefill", engine, request.firstToken - request.scheduled);
    this.observe("decode", engine, request.finish - request.firstToken);
    if (request.generationTokens > 1)
      this.observe("requestTpot", engine, (request.finish - request.firstToken) / (request.generationTokens - 1));
  }

  /**
   * KV block residency (`--kv-cache-metrics`), as if the request's blocks were sampled and freed at
   * its finish: lifetime from scheduling, idle since its last token, and a reuse gap when it hit the prefix cache.
   */
  private residency(engine: number, request: FinishedRequest): void {
    const scheduled = request.scheduled ?? request.arrival;
    this.observe("kvBlockLifetime", engine, request.finish - scheduled);
    const lastTokenGap =
      request.generationTokens > 1 && request.firstToken !== undefined
        ? (request.finish - request.firstToken) / (request.generationTokens - 1)
        : 0;
    this.observe("kvBlockIdleBeforeEvict", engine, lastTokenGap);
    if (request.cachedTokens > 0) this.observe("kvBlockReuseGap", engine, scheduled - request.arrival + lastTokenGap);
  }

  /** Sets the gauges from the engines' state; `now` is simulated seconds (for V0 throughput gauges). */
  updateGauges(engines: readonly EngineGauges[], now: number): void {
    if (this.options.spec.engineLabel) {
      engines.forEach((gauges, slot) => {
        this.setGauge("running", slot, gauges.running);
        this.setGauge("waiting", slot, gauges.waiting);
        this.setGauge("waitingByReason", slot, gauges.waiting - gauges.deferred, 0);
        this.setGauge("waitingByReason", slot, gauges.deferred, 1);
        this.setGauge("kvUsage", slot, gauges.kvUsage);
        this.setGauge("sleepState", slot, gauges.sleepLevel === 0 ? 1 : 0, 0);
        this.setGauge("sleepState", slot, gauges.sleepLevel === 1 ? 1 : 0, 1);
        this.setGauge("sleepState", slot, gauges.sleepLevel === 2 ? 1 : 0, 2);
      });
      return;
    }
    const sum = (pick: (g: EngineGauges) => number) => engines.reduce((total, gauges) => total + pick(gauges), 0);
    this.setGauge(
      "running",
      0,
      sum((g) => g.running),
    );
    this.setGauge(
      "waiting",
      0,
      sum((g) => g.waiting),
    );
    this.setGauge("kvUsage", 0, sum((g) => g.kvUsage) / Math.max(1, engines.length));
    this.setGauge("prefixHitRate", 0, this.totals.queries === 0 ? 0 : this.totals.hits / this.totals.queries);
    const window = this.throughputWindow;
    // why: V0 logged these averages every 5 s (its local logging interval).
    if (now - window.at >= 5) {
      window.promptRate = (this.totals.prompt - window.prompt) / (now - window.at);
      window.generationRate = (this.totals.generation - window.generation) / (now - window.at);
      Object.assign(window, { at: now, prompt: this.totals.prompt, generation: this.totals.generation });
    }
    this.setGauge("avgPromptThroughput", 0, window.promptRate);
    this.setGauge("avgGenerationThroughput", 0, window.generationRate);
  }

  render(out: string[]): void {
    for (const binding of this.bindings) binding.family.render(out);
  }
}
