import { countSeries, sumSeries, vllm, vllmFeatures, type MetricFamily } from "../catalog/index.js";
import { rate, sumBy } from "./functions.js";
import type { Scope } from "./scope.js";
import { series, type Selector } from "./selector.js";
import type { HistogramSignal } from "./signals.js";
import { latencyQuantile, type QueryOptions } from "./vllm.js";

/**
 * Engine internals (the Instances dashboard's collapsed rows): step sizes, the KV cache's
 * configuration, waiting reasons, prompt token sources, LoRA and speculative decoding. No
 * recording rule covers them, so they always read raw series.
 */

const TARGET_LEVEL = new Set(["job", "instance", "monitor"]);

/** The vLLM matchers of `scope` for the labels `family` has (job, instance and monitor always apply). */
export function selectorFor(family: MetricFamily, scope: Scope): Selector {
  // why: job, instance and monitor are target and external labels every series carries; the rest only where the family has them.
  return scope.vllm.filter((item) => TARGET_LEVEL.has(item.label) || family.labels.includes(item.label));
}

function rateOf(family: MetricFamily, scope: Scope, name = family.name): string {
  return rate(series(name, selectorFor(family, scope)), scope.window);
}

const iterationTokens: HistogramSignal = { key: "iterationTokens", families: [vllm.iterationTokens], recordMean: false };

/** Tokens (prefill plus decode) one engine step processed, at `quantile`. */
export function tokensPerStepQuantile(quantile: number, scope: Scope, by: readonly string[]): string {
  const raw: QueryOptions = { scope, source: "raw" };
  return latencyQuantile(quantile, iterationTokens, raw, by);
}

/** Mean tokens per engine step. */
export function tokensPerStepMean(scope: Scope, by: readonly string[]): string {
  const family = vllm.iterationTokens;
  return `${sumBy(by, rateOf(family, scope, sumSeries(family)))} / ${sumBy(by, rateOf(family, scope, countSeries(family)))}`;
}

/** Engine steps per second (one observation of the iteration-tokens histogram per step). */
export function engineStepsPerSecond(scope: Scope, by: readonly string[]): string {
  const family = vllm.iterationTokens;
  return sumBy(by, rateOf(family, scope, countSeries(family)));
}

/**
 * The labels of `vllm:cache_config_info` the KV capacity table shows; the label set varies by version.
 * why: `kv_cache_size_tokens` (vLLM 0.2x) is the capacity vLLM computed; for hybrid attention/Mamba
 * models it differs from num_gpu_blocks × block_size (26093 vs 33712 tokens on a real 0.28 server).
 */
export const CACHE_CONFIG_COLUMNS = [
  "kv_cache_size_tokens",
  "num_gpu_blocks",
  "block_size",
  "cache_dtype",
  "gpu_memory_utilization",
  "enable_prefix_caching",
  "num_cpu_blocks",
] as const;

/** One row per engine with its cache configuration as labels (value 1). */
export function cacheConfig(scope: Scope): string {
  const family = vllm.cacheConfigInfo;
  return `max by (job, instance, engine, ${CACHE_CONFIG_COLUMNS.join(", ")}) (${series(family.name, selectorFor(family, scope))})`;
}

/** Waiting requests by reason: `capacity` (no room in the batch) or `deferred` (LoRA budget, KV transfer, blocked). */
export function waitingByReason(scope: Scope, by: readonly string[]): string {
  const family = vllm.numRequestsWaitingByReason;
  return sumBy([...by, "reason"], series(family.name, selectorFor(family, scope)));
}

/** Prompt tokens per second by where they came from: computed here, a local prefix-cache hit, or a KV transfer. */
export function promptTokensBySource(scope: Scope, by: readonly string[]): string {
  return sumBy([...by, "source"], rateOf(vllm.promptTokensBySource, scope));
}

/** Share of prompt tokens that did not need computing (local and external cache hits). */
export function cachedPromptShare(scope: Scope, by: readonly string[]): string {
  return `${sumBy(by, rateOf(vllm.promptTokensCached, scope))} / ${sumBy(by, rateOf(vllm.promptTokens, scope))}`;
}

/**
 * The current LoRA adapter lists per instance: of all the children vLLM keeps, the newest; the
 * value is its age in seconds.
 * why: every adapter set ever seen stays as a child; its value is the time it was last set.
 */
export function loraAdapters(scope: Scope): string {
  const family = vllmFeatures.loraRequestsInfo;
  const info = series(family.name, selectorFor(family, scope));
  const newest = `${info} == on (job, instance) group_left () max by (job, instance) (${info})`;
  return `time() - max by (job, instance, max_lora, running_lora_adapters, waiting_lora_adapters) (${newest})`;
}

/** Share of draft tokens the target model accepted. */
export function specAcceptanceRate(scope: Scope, by: readonly string[]): string {
  return `${sumBy(by, rateOf(vllmFeatures.specDecodeNumAcceptedTokens, scope))} / ${sumBy(by, rateOf(vllmFeatures.specDecodeNumDraftTokens, scope))}`;
}

/** Tokens a speculative step yields on average: the accepted drafts plus the one the target model adds. */
export function specMeanAcceptanceLength(scope: Scope, by: readonly string[]): string {
  return `1 + ${sumBy(by, rateOf(vllmFeatures.specDecodeNumAcceptedTokens, scope))} / ${sumBy(by, rateOf(vllmFeatures.specDecodeNumDrafts, scope))}`;
}

/** Per draft position, the share of drafts whose token there was accepted (falls with the position). */
export function specAcceptanceByPosition(scope: Scope, by: readonly string[]): string {
  const accepted = sumBy([...by, "position"], rateOf(vllmFeatures.specDecodeNumAcceptedTokensPerPos, scope));
  const drafts = sumBy(by, rateOf(vllmFeatures.specDecodeNumDrafts, scope));
  return `${accepted} / on (${by.join(", ")}) group_left () ${drafts}`;
}
