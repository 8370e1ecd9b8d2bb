import type { MetricFamily } from "./types.js";
import { VLLM_LABELS } from "./vllm.js";

/**
 * vLLM families that only appear with a feature switched on (vllm-metrics.md §2b #37, §2c, §4):
 * speculative decoding (`--speculative-config`) and LoRA adapters (`--enable-lora`).
 */
export const vllmFeatures = {
  specDecodeNumDrafts: {
    name: "vllm:spec_decode_num_drafts_total",
    type: "counter",
    help: "Number of spec decoding drafts.",
    labels: [...VLLM_LABELS],
    unit: "drafts",
  },
  specDecodeNumDraftTokens: {
    name: "vllm:spec_decode_num_draft_tokens_total",
    type: "counter",
    help: "Number of draft tokens.",
    labels: [...VLLM_LABELS],
    unit: "tokens",
  },
  specDecodeNumAcceptedTokens: {
    name: "vllm:spec_decode_num_accepted_tokens_total",
    type: "counter",
    help: "Number of accepted tokens.",
    labels: [...VLLM_LABELS],
    unit: "tokens",
  },
  specDecodeNumAcceptedTokensPerPos: {
    name: "vllm:spec_decode_num_accepted_tokens_per_pos_total",
    type: "counter",
    help: "Accepted tokens per draft position.",
    labels: [...VLLM_LABELS, "position"],
    unit: "tokens",
  },
  /** V0 only (≤ 0.9): tokens emitted by the speculative worker, accepted plus bonus tokens. */
  specDecodeNumEmittedTokens: {
    name: "vllm:spec_decode_num_emitted_tokens_total",
    type: "counter",
    help: "Number of emitted tokens.",
    labels: ["model_name"],
    unit: "tokens",
  },
  /**
   * Value = Unix time of the last update; every distinct label combination stays as its own child,
   * so the current one is the child with the newest timestamp. No model_name or engine label.
   */
  loraRequestsInfo: {
    name: "vllm:lora_requests_info",
    type: "gauge",
    help: "Running stats on lora requests.",
    labels: ["max_lora", "running_lora_adapters", "waiting_lora_adapters"],
    unit: "seconds",
  },
} as const satisfies Record<string, MetricFamily>;

/** What a simulator (or a server) must be started with for a feature family to appear. */
export const VLLM_FEATURE_FLAGS = {
  speculative: "--speculative-config",
  lora: "--enable-lora",
  kvCacheMetrics: "--kv-cache-metrics",
  nixl: `--kv-transfer-config '{"kv_connector":"NixlConnector",…}'`,
  offload: "--kv-offloading-size (OffloadingConnector)",
  mfu: "--enable-mfu-metrics",
  admission: "--max-num-queued-reqs / --max-num-queued-tokens",
} as const;
