import type { MetricsVersion } from "../../src/catalog/index.js";

/**
 * Dashboard queries that cannot return data against some vLLM versions, each with the reason.
 * The integration test fails both when another query is empty and when an entry here returns
 * data after all (then the entry is stale and must go).
 */
export interface NoDataAllowance {
  readonly dashboardUid: string;
  readonly panelTitle: string;
  readonly refId: string;
  readonly versions: readonly MetricsVersion[];
  readonly reason: string;
}

const TPOT_REASON =
  "vLLM before 0.11 has no per-request time-per-output-token histogram (request_time_per_output_token_seconds, added 2025-09); " +
  "the inter-token latency queries of the same panel (refs A–C) cover those versions through time_per_output_token_seconds.";

const WAITING_REASON =
  "vllm:num_requests_waiting_by_reason was added after vLLM 0.16 (April 2026); the row says so and the User overview shows the total waiting.";
const SOURCES_REASON =
  "vllm:prompt_tokens_by_source_total and prompt_tokens_cached_total came with vLLM 0.16 (February 2026); the row says so.";
const V0_SPEC_REASON =
  "V0's speculative decoding had no drafts counter and no per-position counter (V1 0.8.5 added both); the acceptance rate (ref A of its own panel) covers V0.";
const NEWEST_V1_REASON =
  "families of 2026 V1 releases that the 0.10 and 0.6 lines do not export: engine_sleep_state, the external and multimodal cache counters, " +
  "request_prefill_kv_computed_tokens and prompt_tokens_cached/by_source (≤ 0.16), the MFU counters, KV block residency and the KV connector metrics; " +
  "each panel says which version or flag it needs.";
const PREEMPTION_HISTOGRAM_REASON =
  "vllm:request_num_preemptions came with vLLM 0.30; the Preemptions per second panel covers older servers.";
const ADMISSION_REASON =
  "vllm:admission_rejections_total came with vLLM 0.32; older servers shed no load through admission caps the dashboards can see.";
const KV = "vllm-kv-cache";

const INSTANCES = "vllm-instances";
// why: no Machine overview entries. Its GPU panels follow `hostname` alone (a drill-down's vLLM job
// never matches an exporter), and every version's GPU simulator runs on this one host, so the
// default-counters exporter of the 0.6 fleet shares its panels with GPUs that have every field.
// dcgm-exporter's default counters are proven on a real Tesla T4 page in test/real/ instead.

export const NO_DATA_ALLOWLIST: readonly NoDataAllowance[] = [
  {
    dashboardUid: "vllm-user-overview",
    panelTitle: "Inter-token latency and time per output token",
    refId: "D",
    versions: ["0.10", "0.6"],
    reason: TPOT_REASON,
  },
  {
    dashboardUid: "vllm-user-overview",
    panelTitle: "Inter-token latency and time per output token",
    refId: "E",
    versions: ["0.10", "0.6"],
    reason: TPOT_REASON,
  },
  { dashboardUid: INSTANCES, panelTitle: "Waiting requests by reason", refId: "A", versions: ["0.10", "0.6"], reason: WAITING_REASON },
  { dashboardUid: INSTANCES, panelTitle: "Prompt tokens by source", refId: "A", versions: ["0.10", "0.6"], reason: SOURCES_REASON },
  { dashboardUid: INSTANCES, panelTitle: "Cached share of prompt tokens", refId: "A", versions: ["0.10", "0.6"], reason: SOURCES_REASON },
  { dashboardUid: INSTANCES, panelTitle: "Mean acceptance length", refId: "A", versions: ["0.6"], reason: V0_SPEC_REASON },
  { dashboardUid: INSTANCES, panelTitle: "Acceptance by draft position", refId: "A", versions: ["0.6"], reason: V0_SPEC_REASON },
  ...[
    ["Prompt tokens by source", "A"],
    ["Cache hit rate by tier", "B"],
    ["Cache hit rate by tier", "C"],
    ["Prefill tokens computed vs cached", "A"],
    ["Prefill tokens computed vs cached", "B"],
    ["Block lifetime", "A"],
    ["Block lifetime", "B"],
    ["Idle before eviction", "A"],
    ["Idle before eviction", "B"],
    ["Reuse gap", "A"],
    ["Reuse gap", "B"],
    ["NIXL transfer throughput", "A"],
    ["NIXL transfer throughput", "B"],
    ["NIXL transfer time", "A"],
    ["NIXL transfer time", "B"],
    ["NIXL descriptors per transfer", "A"],
    ["NIXL descriptors per transfer", "B"],
    ["NIXL failures", "A"],
    ["NIXL failures", "B"],
    ["NIXL failures", "C"],
    ["Offload throughput", "A"],
    ["Offload throughput", "B"],
    ["Offload time per transfer", "A"],
    ["Offload time per transfer", "B"],
    ["Offload time per transfer", "C"],
    ["Offload time per transfer", "D"],
    ["Offload allocation failures", "A"],
  ].map(([panelTitle, refId]) => ({
    dashboardUid: KV,
    panelTitle: panelTitle!,
    refId: refId!,
    versions: ["0.10", "0.6"] as const,
    reason: NEWEST_V1_REASON,
  })),
  ...[
    ["Sleep level per engine", "A"],
    ["Achieved FLOP/s per GPU", "A"],
    ["MFU", "A"],
    ["Memory traffic per GPU", "A"],
    ["Memory bandwidth utilisation", "A"],
  ].map(([panelTitle, refId]) => ({
    dashboardUid: INSTANCES,
    panelTitle: panelTitle!,
    refId: refId!,
    versions: ["0.10", "0.6"] as const,
    reason: NEWEST_V1_REASON,
  })),
  ...[
    ["Preemptions per request", "A"],
    ["Preemptions per request", "B"],
    ["Share of requests preempted", "A"],
    ["Share of requests preempted", "B"],
  ].map(([panelTitle, refId]) => ({
    dashboardUid: KV,
    panelTitle: panelTitle!,
    refId: refId!,
    versions: ["current", "0.10", "0.6"] as const,
    reason: PREEMPTION_HISTOGRAM_REASON,
  })),
  {
    dashboardUid: "vllm-user-overview",
    panelTitle: "Rejected (load shedding)",
    refId: "A",
    versions: ["current", "0.10", "0.6"],
    reason: ADMISSION_REASON,
  },
];
