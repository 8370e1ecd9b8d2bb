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

const WAITING_REASON = "vllm:num_requests_waiting_by_reason was added after vLLM 0.16 (April 2026); the row says so and the User overview shows the total waiting.";
const SOURCES_REASON = "vllm:prompt_tokens_by_source_total and prompt_tokens_cached_total came with vLLM 0.16 (February 2026); the row says so.";
const V0_SPEC_REASON = "V0's speculative decoding had no drafts counter and no per-position counter (V1 0.8.5 added both); the acceptance rate (ref A of its own panel) covers V0.";
const INSTANCES = "vllm-instances";
// why: no Machine overview entries. Its GPU panels follow `hostname` alone (a drill-down's vLLM job
// never matches an exporter), and every version's GPU simulator runs on this one host, so the
// default-counters exporter of the 0.6 fleet shares its panels with GPUs that have every field.
// dcgm-exporter's default counters are proven on a real Tesla T4 page in test/real/ instead.

export const NO_DATA_ALLOWLIST: readonly NoDataAllowance[] = [
  { dashboardUid: "vllm-user-overview", panelTitle: "Inter-token latency and time per output token", refId: "D", versions: ["0.10", "0.6"], reason: TPOT_REASON },
  { dashboardUid: "vllm-user-overview", panelTitle: "Inter-token latency and time per output token", refId: "E", versions: ["0.10", "0.6"], reason: TPOT_REASON },
  { dashboardUid: INSTANCES, panelTitle: "Waiting requests by reason", refId: "A", versions: ["0.10", "0.6"], reason: WAITING_REASON },
  { dashboardUid: INSTANCES, panelTitle: "Prompt tokens by source", refId: "A", versions: ["0.10", "0.6"], reason: SOURCES_REASON },
  { dashboardUid: INSTANCES, panelTitle: "Cached share of prompt tokens", refId: "A", versions: ["0.10", "0.6"], reason: SOURCES_REASON },
  { dashboardUid: INSTANCES, panelTitle: "Mean acceptance length", refId: "A", versions: ["0.6"], reason: V0_SPEC_REASON },
  { dashboardUid: INSTANCES, panelTitle: "Acceptance by draft position", refId: "A", versions: ["0.6"], reason: V0_SPEC_REASON },
];
