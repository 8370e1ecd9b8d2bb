/** vLLM histogram bucket sets (upper bounds, +Inf implied), from vllm-metrics.md §2a and §4. */

/** TTFT, v0.8.4 and later. */
export const TTFT_BUCKETS = [
  0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0, 160.0, 640.0, 2560.0,
] as const;
/** TTFT up to v0.8.3. */
export const TTFT_BUCKETS_LEGACY = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0] as const;

/** Inter-token latency and time per output token, v0.8.4 and later. */
export const ITL_BUCKETS = [
  0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0,
] as const;
/** Time per output token up to v0.8.3. */
export const ITL_BUCKETS_LEGACY = [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5] as const;

/** E2E, queue, inference, prefill and decode time, v0.8.4 and later. */
export const LATENCY_BUCKETS = [
  0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0, 120.0, 240.0, 480.0, 960.0, 1920.0, 7680.0,
] as const;
/** The same, v0.6.4 to v0.8.3. */
export const LATENCY_BUCKETS_LEGACY = [0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0] as const;

export const ITERATION_TOKENS_BUCKETS = [1, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384] as const;
export const REQUEST_PARAMS_N_BUCKETS = [1, 2, 5, 10, 20] as const;

/** Buckets of the HTTP request duration histogram of prometheus-fastapi-instrumentator. */
export const HTTP_HIGHR_BUCKETS = [
  0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5, 7.5, 10, 30, 60,
] as const;
export const HTTP_DURATION_BUCKETS = [0.1, 0.5, 1] as const;

/**
 * vLLM's 1-2-5 series up to `maxModelLen` (`build_buckets([1, 2, 5], max_model_len)`), used by
 * the token-count histograms: 8192 gives 1, 2, 5, …, 5000.
 */
export function oneTwoFiveBuckets(maxModelLen: number): number[] {
  const buckets: number[] = [];
  for (let exponent = 0; ; exponent += 1) {
    for (const mantissa of [1, 2, 5]) {
      const value = mantissa * 10 ** exponent;
      if (value > maxModelLen) return buckets;
      buckets.push(value);
    }
  }
}

/** Preemptions per finished request (`REQUEST_NUM_PREEMPTIONS_BUCKETS`, vLLM ≥ 0.30). */
export const REQUEST_NUM_PREEMPTIONS_BUCKETS = [1, 2, 3, 4, 5, 10, 20] as const;

/** KV block residency histograms (`--kv-cache-metrics`): lifetime, idle before eviction, reuse gap. */
export const KV_CACHE_RESIDENCY_BUCKETS = [
  0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1200, 1800,
] as const;

/** NIXL connector: transfer post time; the transfer time uses the same list without its first bound. */
export const NIXL_POST_TIME_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 5.0] as const;
export const NIXL_XFER_TIME_BUCKETS = NIXL_POST_TIME_BUCKETS.slice(1);
/** NIXL bytes per transfer: 2 KiB to 8 GiB in powers of four (`2 ** (10 + i)` for odd i < 25). */
export const NIXL_BYTES_BUCKETS = Array.from({ length: 12 }, (_, index) => 2 ** (11 + 2 * index));
export const NIXL_DESCRIPTORS_BUCKETS = [10, 20, 30, 50, 75, 100, 200, 400, 1000, 2000, 4000, 10000, 20000, 50000] as const;

/** KV offloading connector: bytes per load/store operation (`TRANSFER_SIZE_BUCKETS`). */
export const OFFLOAD_TRANSFER_SIZE_BUCKETS = [1e6, 5e6, 10e6, 20e6, 40e6, 60e6, 80e6, 100e6, 150e6, 200e6] as const;
export const OFFLOAD_LOOKUP_SYNC_BUCKETS = [0.00001, 0.00005, 0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1] as const;
export const OFFLOAD_LOOKUP_ASYNC_BUCKETS = [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10] as const;
