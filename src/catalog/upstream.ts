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
} as const;
