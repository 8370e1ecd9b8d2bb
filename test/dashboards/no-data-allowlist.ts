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

export const NO_DATA_ALLOWLIST: readonly NoDataAllowance[] = [
  { dashboardUid: "vllm-user-overview", panelTitle: "Inter-token latency and time per output token", refId: "D", versions: ["0.10", "0.6"], reason: TPOT_REASON },
  { dashboardUid: "vllm-user-overview", panelTitle: "Inter-token latency and time per output token", refId: "E", versions: ["0.10", "0.6"], reason: TPOT_REASON },
];
