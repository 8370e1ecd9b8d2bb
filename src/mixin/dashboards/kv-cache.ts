import { VLLM_FEATURE_FLAGS, vllm, vllmKvResidency, vllmNixl, vllmOffload, type MetricFamily } from "../../catalog/index.js";
import * as engine from "../../promql/engine.js";
import * as kv from "../../promql/kv-cache.js";
import { grafanaScope, type Scope } from "../../promql/scope.js";
import { counterSignals } from "../../promql/signals.js";
import { kvCacheUsage, preemptionRate, prefixCacheHitRatio, type QueryOptions } from "../../promql/vllm.js";
import * as workload from "../../promql/workload.js";
import { DASHBOARD_UIDS, standardAnnotations } from "./navigation.js";
import { alertLine, type DashboardSpec, type PanelSpec, type RowSpec } from "./panels.js";
import type { DashboardOptions } from "./user-overview.js";
import { vllmVariables } from "./variables.js";

export const KV_CACHE_UID = DASHBOARD_UIDS.kvCache;

const BY_MODEL = ["model_name"] as const;
const BY_ENGINE = ["job", "instance", "engine"] as const;

/** vLLM releases that first wrote a family, for "No data: needs vLLM ≥ X". */
const NEEDS = {
  cacheTiers: "vLLM 0.16 or later (2026; external and multimodal cache counters)",
  preemptionHistogram: "vLLM 0.30 or later (vllm:request_num_preemptions)",
} as const;

function quantilePanel(
  key: string,
  title: string,
  family: MetricFamily,
  unit: string,
  description: string,
  noValue: string,
  scope: Scope,
): PanelSpec {
  return {
    key,
    kind: "timeseries",
    title,
    description,
    unit,
    width: 8,
    noValue,
    legend: "table",
    targets: [
      { expr: workload.histogramFamilyQuantile(0.5, family, scope, BY_MODEL), legend: "p50 {{model_name}}" },
      { expr: workload.histogramFamilyQuantile(0.95, family, scope, BY_MODEL), legend: "p95 {{model_name}}" },
    ],
  };
}

function usageRow(query: QueryOptions, options: DashboardOptions): RowSpec {
  const threshold = options.thresholds.kvCacheUsage.ratio;
  return {
    title: "Usage and headroom",
    panels: [
      {
        key: "kv/usage",
        kind: "timeseries",
        title: "KV cache usage per engine",
        description: `Share of each engine's KV blocks in use (${vllm.kvCacheUsagePerc.name}); the dashed line is the VllmKvCacheNearFull threshold (${threshold * 100}%).`,
        unit: "percentunit",
        min: 0,
        max: 1,
        thresholdLine: true,
        thresholds: alertLine(threshold),
        targets: [{ expr: kvCacheUsage(query, BY_ENGINE, "max"), legend: "{{instance}} engine {{engine}}" }],
      },
      {
        key: "kv/headroom",
        kind: "timeseries",
        title: "KV cache headroom",
        description:
          "Free share of the fullest engine's KV cache per model (1 − usage). Near 0, new requests wait and running ones get preempted.",
        unit: "percentunit",
        min: 0,
        max: 1,
        targets: [{ expr: `1 - ${kvCacheUsage(query, BY_MODEL, "max")}`, legend: "{{model_name}}" }],
      },
      {
        key: "kv/prompt-sources",
        kind: "timeseries",
        title: "Prompt tokens by source",
        description: `Prompt tokens per second by where their KV came from (${vllm.promptTokensBySource.name}): computed here, a local prefix-cache hit, or an external KV transfer.`,
        unit: "suffix: tok/s",
        stacked: true,
        noValue: `No data: needs ${NEEDS.cacheTiers}`,
        targets: [{ expr: engine.promptTokensBySource(query.scope, BY_MODEL), legend: "{{source}} {{model_name}}" }],
      },
    ],
  };
}

function hitRateRow(query: QueryOptions): RowSpec {
  const scope = query.scope;
  return {
    title: "Prefix cache hit rate by tier",
    panels: [
      {
        key: "kv/hit-rate-tiers",
        kind: "timeseries",
        title: "Cache hit rate by tier",
        description:
          `Hit rate of each cache: local prefix cache (${vllm.prefixCacheHits.name} / ${vllm.prefixCacheQueries.name}), the external cache a KV connector reaches ` +
          `(${vllm.externalPrefixCacheHits.name}; moves only with a connector, ${VLLM_FEATURE_FLAGS.nixl}), and the multimodal encoder cache (${vllm.mmCacheHits.name}; moves only for image/audio inputs).`,
        unit: "percentunit",
        width: 12,
        min: 0,
        max: 1,
        noValue: `No data: no cache lookups yet (external and multimodal need ${NEEDS.cacheTiers})`,
        targets: [
          { expr: prefixCacheHitRatio(query, BY_MODEL), legend: "local {{model_name}}" },
          {
            expr: workload.hitRate(vllm.externalPrefixCacheHits, vllm.externalPrefixCacheQueries, scope, BY_MODEL),
            legend: "external {{model_name}}",
          },
          { expr: workload.hitRate(vllm.mmCacheHits, vllm.mmCacheQueries, scope, BY_MODEL), legend: "multimodal {{model_name}}" },
        ],
      },
      {
        key: "kv/prefill-computed-vs-cached",
        kind: "timeseries",
        title: "Prefill tokens computed vs cached",
        description: `Prompt tokens per second the prefill had to compute (${vllm.requestPrefillKvComputedTokens.name}, the sum of the per-request histogram) against those found in a cache (${vllm.promptTokensCached.name}).`,
        unit: "suffix: tok/s",
        width: 12,
        noValue: `No data: needs ${NEEDS.cacheTiers}`,
        targets: [
          { expr: workload.prefillComputedTokens(scope, BY_MODEL), legend: "computed {{model_name}}" },
          { expr: workload.prefillCachedTokens(scope, BY_MODEL), legend: "cached {{model_name}}" },
        ],
      },
    ],
  };
}

function preemptionRow(query: QueryOptions): RowSpec {
  const scope = query.scope;
  const family = vllm.requestNumPreemptions;
  const needs = `No data: needs ${NEEDS.preemptionHistogram}`;
  return {
    title: "Preemptions",
    panels: [
      {
        key: "kv/preemptions-rate",
        kind: "timeseries",
        title: "Preemptions per second",
        description: `Running requests the scheduler evicted to free KV blocks (${vllm.numPreemptions.name}); each is recomputed later.`,
        unit: "short",
        targets: [{ expr: preemptionRate(counterSignals().preemptions, query, BY_MODEL), legend: "{{model_name}}" }],
      },
      quantilePanel(
        "kv/preemptions-per-request",
        "Preemptions per request",
        family,
        "short",
        `p50 and p95 of how often a finished request was preempted (${family.name}, observed once per finished request). ` +
          "The first bucket holds 0 and 1 alike, so values below 1 mean most requests were never or once preempted.",
        needs,
        scope,
      ),
      {
        key: "kv/preempted-share",
        kind: "timeseries",
        title: "Share of requests preempted",
        description:
          `Preempted twice or more: the share above the first bucket of ${family.name}. Mean preemptions per request (_sum / _count) bounds the share ` +
          "preempted at least once from above; the histogram cannot tell 0 from 1.",
        unit: "percentunit",
        min: 0,
        noValue: needs,
        targets: [
          { expr: workload.preemptedTwiceShare(scope, BY_MODEL), legend: "twice or more {{model_name}}" },
          { expr: workload.histogramFamilyMean(family, scope, BY_MODEL), legend: "mean per request {{model_name}}" },
        ],
      },
    ],
  };
}

function residencyRow(scope: Scope): RowSpec {
  const flag = VLLM_FEATURE_FLAGS.kvCacheMetrics;
  const needs = `No data: needs ${flag} (sampled by --kv-cache-metrics-sample)`;
  const sampled = "Sampled blocks only (--kv-cache-metrics-sample, 1 % by default).";
  return {
    title: `KV block residency — needs ${flag}`,
    collapsed: true,
    panels: [
      quantilePanel(
        "kv/block-lifetime",
        "Block lifetime",
        vllmKvResidency.kvBlockLifetime,
        "s",
        `How long a KV block lived from allocation to eviction, p50 and p95. ${sampled}`,
        needs,
        scope,
      ),
      quantilePanel(
        "kv/block-idle",
        "Idle before eviction",
        vllmKvResidency.kvBlockIdleBeforeEvict,
        "s",
        `How long an evicted block sat unused before eviction. Short idle times mean the cache is too small for the working set. ${sampled}`,
        needs,
        scope,
      ),
      quantilePanel(
        "kv/block-reuse-gap",
        "Reuse gap",
        vllmKvResidency.kvBlockReuseGap,
        "s",
        `Time between consecutive uses of a cached block; compare with Idle before eviction to see how much longer blocks would need to live to be reused. ${sampled}`,
        needs,
        scope,
      ),
    ],
  };
}

function nixlRow(scope: Scope): RowSpec {
  const flag = VLLM_FEATURE_FLAGS.nixl;
  const needs = `No data: needs ${flag}`;
  return {
    title: `NIXL KV connector — needs ${flag}`,
    collapsed: true,
    panels: [
      {
        key: "kv/nixl-throughput",
        kind: "timeseries",
        title: "NIXL transfer throughput",
        description: `Bytes per second the NIXL connector moved between prefill and decode instances (${vllmNixl.bytesTransferred.name}), and transfers per second.`,
        unit: "Bps",
        noValue: needs,
        targets: [
          { expr: kv.nixlBytesPerSecond(scope, BY_ENGINE), legend: "{{instance}} engine {{engine}}" },
          { expr: kv.nixlTransfersPerSecond(scope, BY_ENGINE), legend: "transfers/s {{instance}} engine {{engine}}" },
        ],
      },
      {
        key: "kv/nixl-time",
        kind: "timeseries",
        title: "NIXL transfer time",
        description: `p95 time of one transfer (${vllmNixl.xferTime.name}) and of posting it (${vllmNixl.postTime.name}). Transfer time grows with bytes per transfer and a congested link.`,
        unit: "s",
        noValue: needs,
        legend: "table",
        targets: [
          { expr: workload.histogramFamilyQuantile(0.95, vllmNixl.xferTime, scope, BY_MODEL), legend: "transfer p95 {{model_name}}" },
          { expr: workload.histogramFamilyQuantile(0.95, vllmNixl.postTime, scope, BY_MODEL), legend: "post p95 {{model_name}}" },
        ],
      },
      quantilePanel(
        "kv/nixl-descriptors",
        "NIXL descriptors per transfer",
        vllmNixl.numDescriptors,
        "short",
        `Memory descriptors one NIXL transfer carried (${vllmNixl.numDescriptors.name}), p50 and p95: many small descriptors (non-contiguous blocks) make transfers slower than their bytes suggest.`,
        needs,
        scope,
      ),
      {
        key: "kv/nixl-failures",
        kind: "timeseries",
        title: "NIXL failures",
        description: `Failed transfers (${vllmNixl.failedTransfers.name}), failed notifications (${vllmNixl.failedNotifications.name}) and requests whose KV expired on the prefill side before the decode side fetched it (${vllmNixl.kvExpiredRequests.name}), per second.`,
        unit: "short",
        noValue: needs,
        targets: [
          { expr: kv.nixlFailures(vllmNixl.failedTransfers, scope, BY_MODEL), legend: "failed transfers {{model_name}}" },
          { expr: kv.nixlFailures(vllmNixl.failedNotifications, scope, BY_MODEL), legend: "failed notifications {{model_name}}" },
          { expr: kv.nixlFailures(vllmNixl.kvExpiredRequests, scope, BY_MODEL), legend: "expired KV {{model_name}}" },
        ],
      },
    ],
  };
}

function offloadRow(scope: Scope): RowSpec {
  const flag = VLLM_FEATURE_FLAGS.offload;
  const needs = `No data: needs ${flag}; the series appear with the first transfer`;
  return {
    title: `KV offloading — needs ${flag}`,
    collapsed: true,
    panels: [
      {
        key: "kv/offload-throughput",
        kind: "timeseries",
        title: "Offload throughput",
        description: `Bytes per second stored from GPU to offload storage (${vllmOffload.storeBytes.name}) and loaded back (${vllmOffload.loadBytes.name}).`,
        unit: "Bps",
        noValue: needs,
        targets: [
          { expr: kv.offloadBytesPerSecond("store", scope, BY_MODEL), legend: "store {{model_name}}" },
          { expr: kv.offloadBytesPerSecond("load", scope, BY_MODEL), legend: "load {{model_name}}" },
        ],
      },
      {
        key: "kv/offload-time",
        kind: "timeseries",
        title: "Offload time per transfer",
        description: `Mean seconds per store and load (${vllmOffload.storeTime.name} over the transfers of ${vllmOffload.storeSize.name}), p95 of one lookup call (${vllmOffload.lookupSyncDelay.name}), and p95 of a deferred lookup until it resolved (${vllmOffload.lookupAsyncDelay.name}).`,
        unit: "s",
        noValue: needs,
        targets: [
          { expr: kv.offloadSecondsPerTransfer("store", scope, BY_MODEL), legend: "store {{model_name}}" },
          { expr: kv.offloadSecondsPerTransfer("load", scope, BY_MODEL), legend: "load {{model_name}}" },
          {
            expr: workload.histogramFamilyQuantile(0.95, vllmOffload.lookupSyncDelay, scope, BY_MODEL),
            legend: "lookup p95 {{model_name}}",
          },
          {
            expr: workload.histogramFamilyQuantile(0.95, vllmOffload.lookupAsyncDelay, scope, BY_MODEL),
            legend: "deferred lookup p95 {{model_name}}",
          },
        ],
      },
      {
        key: "kv/offload-failures",
        kind: "timeseries",
        title: "Offload allocation failures",
        description: `Store allocations that failed per second (${vllmOffload.allocationFailures.name}): the offload space is full; raise --kv-offloading-size.`,
        unit: "short",
        noValue: needs,
        targets: [{ expr: kv.offloadAllocationFailures(scope, BY_MODEL), legend: "{{model_name}}" }],
      },
    ],
  };
}

/** The KV cache: usage, hit rates by tier, preemptions, block residency, connector and offload transfers. */
export function kvCacheSpec(options: DashboardOptions): DashboardSpec {
  const query: QueryOptions = { scope: grafanaScope(), source: options.source };
  return {
    uid: KV_CACHE_UID,
    title: "vLLM / KV cache",
    description:
      "The KV cache of every vLLM engine: usage and headroom, hit rates of the local, external (connector) and multimodal caches, preemptions, and the optional rows " +
      "(block residency, NIXL connector, offloading), each naming the flag that enables it.",
    tags: ["vllm", "llm"],
    variables: vllmVariables(),
    annotations: standardAnnotations(query.scope),
    rows: [
      usageRow(query, options),
      hitRateRow(query),
      preemptionRow(query),
      residencyRow(query.scope),
      nixlRow(query.scope),
      offloadRow(query.scope),
    ],
  };
}
