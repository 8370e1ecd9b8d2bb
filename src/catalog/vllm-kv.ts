import {
  KV_CACHE_RESIDENCY_BUCKETS,
  NIXL_BYTES_BUCKETS,
  NIXL_DESCRIPTORS_BUCKETS,
  NIXL_POST_TIME_BUCKETS,
  NIXL_XFER_TIME_BUCKETS,
  OFFLOAD_LOOKUP_ASYNC_BUCKETS,
  OFFLOAD_LOOKUP_SYNC_BUCKETS,
  OFFLOAD_TRANSFER_SIZE_BUCKETS,
} from "./buckets.js";
import type { MetricFamily } from "./types.js";
import { VLLM_LABELS } from "./vllm.js";

const L = VLLM_LABELS;

function counter(name: string, help: string, unit: string): MetricFamily {
  return { name, type: "counter", help, labels: [...L], unit };
}
function histogram(name: string, help: string, unit: string, buckets: readonly number[]): MetricFamily {
  return { name, type: "histogram", help, labels: [...L], unit, buckets };
}

/**
 * KV block residency (`--kv-cache-metrics`, sampled by `--kv-cache-metrics-sample`, default 0.01),
 * from vllm/v1/metrics/loggers.py. Observed when a sampled block is evicted.
 */
export const vllmKvResidency = {
  kvBlockLifetime: histogram(
    "vllm:kv_block_lifetime_seconds",
    "Histogram of KV cache block lifetime from allocation to eviction. Sampled metrics (controlled by --kv-cache-metrics-sample).",
    "seconds",
    KV_CACHE_RESIDENCY_BUCKETS,
  ),
  kvBlockIdleBeforeEvict: histogram(
    "vllm:kv_block_idle_before_evict_seconds",
    "Histogram of idle time before KV cache block eviction. Sampled metrics (controlled by --kv-cache-metrics-sample).",
    "seconds",
    KV_CACHE_RESIDENCY_BUCKETS,
  ),
  kvBlockReuseGap: histogram(
    "vllm:kv_block_reuse_gap_seconds",
    "Histogram of time gaps between consecutive KV cache block accesses. Only the most recent accesses are recorded (ring buffer). Sampled metrics (controlled by --kv-cache-metrics-sample).",
    "seconds",
    KV_CACHE_RESIDENCY_BUCKETS,
  ),
} as const satisfies Record<string, MetricFamily>;

/**
 * NIXL KV connector (`--kv-transfer-config '{"kv_connector":"NixlConnector",…}'`), from
 * vllm/distributed/kv_transfer/kv_connector/v1/nixl/stats.py. One observation per transfer.
 */
export const vllmNixl = {
  xferTime: histogram(
    "vllm:nixl_xfer_time_seconds",
    "Histogram of transfer duration for NIXL KV Cache transfers.",
    "seconds",
    NIXL_XFER_TIME_BUCKETS,
  ),
  postTime: histogram(
    "vllm:nixl_post_time_seconds",
    "Histogram of transfer post time for NIXL KV Cache transfers.",
    "seconds",
    NIXL_POST_TIME_BUCKETS,
  ),
  bytesTransferred: histogram(
    "vllm:nixl_bytes_transferred",
    "Histogram of bytes transferred per NIXL KV Cache transfers.",
    "bytes",
    NIXL_BYTES_BUCKETS,
  ),
  // why: two Python strings joined with two spaces; the HELP on the wire reads so.
  numDescriptors: histogram(
    "vllm:nixl_num_descriptors",
    "Histogram of number of descriptors per NIXL  KV Cache transfers.",
    "none",
    NIXL_DESCRIPTORS_BUCKETS,
  ),
  failedTransfers: counter("vllm:nixl_num_failed_transfers_total", "Number of failed NIXL KV Cache transfers.", "transfers"),
  failedNotifications: counter(
    "vllm:nixl_num_failed_notifications_total",
    "Number of failed NIXL KV Cache notifications.",
    "notifications",
  ),
  kvExpiredRequests: counter(
    "vllm:nixl_num_kv_expired_reqs_total",
    "Number of requests that had their KV expire. NOTE: This metric is tracked on the P instance.",
    "requests",
  ),
} as const satisfies Record<string, MetricFamily>;

/**
 * KV offloading connector (`--kv-offloading-size` or `--kv-transfer-config
 * '{"kv_connector":"OffloadingConnector",…}'`), the flat names of
 * vllm/distributed/kv_transfer/kv_connector/v1/offloading/metrics.py. Their children are created at
 * the first transfer, so a server that never offloaded has none.
 */
export const vllmOffload = {
  loadBytes: counter("vllm:kv_offload_load_bytes_total", "Total bytes loaded from offload storage to GPU.", "bytes"),
  loadTime: counter("vllm:kv_offload_load_time_total", "Total load time from offload storage to GPU, in seconds.", "seconds"),
  loadSize: histogram(
    "vllm:kv_offload_load_size",
    "Histogram of KV offload load operation size, in bytes.",
    "bytes",
    OFFLOAD_TRANSFER_SIZE_BUCKETS,
  ),
  storeBytes: counter("vllm:kv_offload_store_bytes_total", "Total bytes stored from GPU to offload storage.", "bytes"),
  storeTime: counter("vllm:kv_offload_store_time_total", "Total store time from GPU to offload storage, in seconds.", "seconds"),
  storeSize: histogram(
    "vllm:kv_offload_store_size",
    "Histogram of KV offload store operation size, in bytes.",
    "bytes",
    OFFLOAD_TRANSFER_SIZE_BUCKETS,
  ),
  lookupSyncDelay: histogram(
    "vllm:kv_offload_lookup_sync_delay_seconds",
    "Histogram of the time spent in a single offload lookup call, in seconds.",
    "seconds",
    OFFLOAD_LOOKUP_SYNC_BUCKETS,
  ),
  lookupAsyncDelay: histogram(
    "vllm:kv_offload_lookup_async_delay_seconds",
    "Histogram of time between a request's offload lookup first deferring and the following lookup resolving, or request finish, in seconds.",
    "seconds",
    OFFLOAD_LOOKUP_ASYNC_BUCKETS,
  ),
  allocationFailures: counter(
    "vllm:kv_offload_allocation_failure_total",
    "Number of KV offload store allocation attempts that failed.",
    "failures",
  ),
} as const satisfies Record<string, MetricFamily>;
