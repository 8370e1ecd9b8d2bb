/**
 * The vLLM source the catalog was last checked against with `scripts/check-catalog.ts`.
 * `vllm-project/vllm` itself was too large to fetch here (1.1 GB); the newest readable copy of
 * upstream main is the `neuralmagic/vllm` mirror, whose branch `retention-interval` merged
 * `origin/main` at this commit. Families added after it (request_num_preemptions in 0.30,
 * admission_rejections_total in 0.32) come from a real 0.30 scrape and the merged PR threads
 * (#49984, #57033, #55812), not from this tree.
 */
export const VLLM_SOURCE_CHECKED = {
  repository: "neuralmagic/vllm (mirror of vllm-project/vllm main)",
  commit: "7cfb97e33791a348cd5d7b622cca521d82d8399f",
  date: "2026-08-20T15:42:49-07:00",
  checkedOn: "2026-12-03",
  /**
   * The result: 78 families read, 22 more names mentioned; no family of the catalog has another
   * type or other buckets upstream. 40 families the catalog lacks, all optional and left out on
   * purpose: corrupted_requests (VLLM_COMPUTE_NANS_IN_LOGITS), diffusion (diffusion LMs),
   * hf3fs, mooncake_store and kv_offload_tiering (other connectors), the kv_offload_cpu gauges and
   * stores_skipped, the deprecated kv_offload_total_bytes, kv_offload_total_time and kv_offload_size, tool_call_parser_invocations
   * and websocket (realtime speech).
   */
  result: { familiesRead: 78, namesMentioned: 22, wrongTypeOrBuckets: 0, missing: 40 },
} as const;

export {};
