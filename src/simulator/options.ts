import { KV_CONNECTORS, METRICS_VERSIONS, type KvConnector, type MetricsVersion } from "../catalog/index.js";
import { UserError } from "../errors.js";
import { GPU_FIELD_SETS, GPU_FORMATS, type GpuFieldSet, type GpuFormat } from "./gpu/reading.js";
import { BLOCK_SIZE } from "./engine/kv-cache.js";
import { LOAD_PROFILES, type LoadProfile } from "./engine/load.js";

export interface SimulatorOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** First port; 0 (default) picks free consecutive ports. */
  port?: number;
  /** Served model name(s); with several instances they are assigned round-robin. */
  model?: string | string[];
  /** Data-parallel engines per instance (one `engine` label value each), default 1. */
  engines?: number;
  /** Seed of arrivals, lengths and jitter; the same seed replays the same built-in load. */
  seed?: number;
  /** Bearer token required on /metrics and /v1/* (401 otherwise). */
  token?: string;
  /** true: a self-signed pair made on the fly; or the PEM files to serve. */
  tls?: { certFile?: string; keyFile?: string } | boolean;
  metricsVersion?: MetricsVersion;
  /** Independent servers on consecutive ports, default 1. */
  instances?: number;
  /** Built-in load, default steady. */
  load?: LoadProfile;
  /** Serve GPU metrics on this port (0 = pick a free one). */
  gpuPort?: number;
  /** The exporter the GPU page imitates: dcgm-exporter (default) or nvidia_gpu_exporter (`nvidia-smi`). */
  gpuFormat?: GpuFormat;
  /** Simulated GPUs, default one per engine (at most 8). */
  gpus?: number;
  /** dcgm-exporter's host label: `Hostname` (default, as every real page in test/fixtures/real writes it) or `hostname` (PR #655). */
  gpuHostnameLabel?: "hostname" | "Hostname";
  /** dcgm-exporter fields served: `all` (default) or `defaults` (default-counters.csv: no profiling). */
  gpuFields?: GpuFieldSet;
  /** Speculative decoding with this many draft tokens per step (vLLM `--speculative-config`); 0 (default) is off. */
  speculativeTokens?: number;
  /** LoRA adapters the built-in load spreads requests over (vLLM `--enable-lora`); 0 (default) is off. */
  loraAdapters?: number;
  /** vLLM `--enable-mfu-metrics`: the estimated FLOPs/bytes counters count (at 0.32 they stay 0 without it). */
  enableMfuMetrics?: boolean;
  /** vLLM `--kv-cache-metrics`: KV block residency histograms (V1 2026 lines). */
  kvCacheMetrics?: boolean;
  /** A KV connector: `nixl` (disaggregated prefill, external prefix cache), `offload` (CPU offloading) or `multi` (both). */
  kvConnector?: KvConnector;
  /** Every built-in request carries one image, so the multimodal cache counters move. */
  multimodal?: boolean;
  /** vLLM `--max-num-queued-reqs` (0.29+): arrivals while this many requests are in flight, waiting or running, get HTTP 503 (counted at 0.32). */
  maxNumQueuedReqs?: number;
  /** vLLM `--max-num-queued-tokens` (0.29+): arrivals while the requests still in prefill hold this many prompt tokens get HTTP 503. */
  maxNumQueuedTokens?: number;
  /** JSON lines of every finished request's true timings. */
  truthFile?: string;
  /** false: engine steps take no time (benchmark profile). */
  latencies?: boolean;
  maxNumSeqs?: number;
  kvBlocks?: number;
  maxModelLen?: number;
  maxNumBatchedTokens?: number;
}

export interface ResolvedOptions {
  readonly host: string;
  readonly port: number;
  readonly models: readonly string[];
  readonly engines: number;
  readonly seed: number;
  readonly token: string | undefined;
  readonly tls: { readonly certFile?: string; readonly keyFile?: string } | undefined;
  readonly metricsVersion: MetricsVersion;
  readonly instances: number;
  readonly load: LoadProfile;
  readonly gpuPort: number | undefined;
  readonly gpus: number;
  readonly gpuFormat: GpuFormat;
  readonly gpuHostnameLabel: "hostname" | "Hostname";
  readonly gpuFields: GpuFieldSet;
  readonly speculativeTokens: number;
  readonly loraAdapters: number;
  readonly enableMfuMetrics: boolean;
  readonly kvCacheMetrics: boolean;
  readonly kvConnector: KvConnector | undefined;
  readonly multimodal: boolean;
  readonly maxNumQueuedReqs: number | undefined;
  readonly maxNumQueuedTokens: number | undefined;
  readonly truthFile: string | undefined;
  readonly latencies: boolean;
  readonly maxNumSeqs: number;
  readonly kvBlocks: number;
  readonly maxModelLen: number;
  readonly maxNumBatchedTokens: number;
}

export const DEFAULT_MODEL = "meta-llama/Llama-3.1-8B-Instruct";

function integerIn(problems: string[], name: string, value: number | undefined, min: number, max: number): void {
  if (value === undefined) return;
  if (!Number.isInteger(value) || value < min || value > max)
    problems.push(`${name} must be a whole number from ${min} to ${max} (got ${value})`);
}

/** Checks every option at once and fills in defaults; throws one UserError listing all problems. */
export function resolveOptions(options: SimulatorOptions): ResolvedOptions {
  const problems: string[] = [];
  const models = options.model === undefined ? [DEFAULT_MODEL] : Array.isArray(options.model) ? options.model : [options.model];
  if (models.length === 0 || models.some((model) => model.trim() === "")) problems.push("--model must be a non-empty name");
  integerIn(problems, "--port", options.port, 0, 65535);
  integerIn(problems, "--engines", options.engines, 1, 64);
  integerIn(problems, "--instances", options.instances, 1, 4096);
  integerIn(problems, "--seed", options.seed, 0, 2 ** 32 - 1);
  integerIn(problems, "--gpu-port", options.gpuPort, 0, 65535);
  integerIn(problems, "--gpus", options.gpus, 1, 64);
  integerIn(problems, "--max-num-seqs", options.maxNumSeqs, 1, 4096);
  integerIn(problems, "--kv-blocks", options.kvBlocks, 1, 10_000_000);
  integerIn(problems, "--max-model-len", options.maxModelLen, 16, 1_048_576);
  integerIn(problems, "--max-num-batched-tokens", options.maxNumBatchedTokens, 16, 1_048_576);
  integerIn(problems, "--speculative", options.speculativeTokens, 0, 16);
  integerIn(problems, "--lora-adapters", options.loraAdapters, 0, 64);
  integerIn(problems, "--max-num-queued-reqs", options.maxNumQueuedReqs, 0, 1_000_000);
  integerIn(problems, "--max-num-queued-tokens", options.maxNumQueuedTokens, 0, 1_000_000_000);
  if (options.kvConnector !== undefined && !KV_CONNECTORS.includes(options.kvConnector)) {
    problems.push(`--kv-connector must be one of ${KV_CONNECTORS.join(", ")} (got ${String(options.kvConnector)})`);
  }
  const instances = options.instances ?? 1;
  const port = options.port ?? 0;
  if (port > 0 && port + instances - 1 > 65535)
    problems.push(`--port ${port} with --instances ${instances} runs past port 65535; choose a lower --port`);
  if (options.metricsVersion !== undefined && !METRICS_VERSIONS.includes(options.metricsVersion)) {
    problems.push(`--metrics-version must be one of ${METRICS_VERSIONS.join(", ")} (got ${String(options.metricsVersion)})`);
  }
  if (options.load !== undefined && !LOAD_PROFILES.includes(options.load))
    problems.push(`--load must be one of ${LOAD_PROFILES.join(", ")} (got ${String(options.load)})`);
  if (options.gpuHostnameLabel !== undefined && options.gpuHostnameLabel !== "hostname" && options.gpuHostnameLabel !== "Hostname") {
    problems.push(`--gpu-hostname-label must be hostname or Hostname (got ${String(options.gpuHostnameLabel)})`);
  }
  if (options.gpuFormat !== undefined && !GPU_FORMATS.includes(options.gpuFormat)) {
    problems.push(`--gpu-format must be one of ${GPU_FORMATS.join(", ")} (got ${String(options.gpuFormat)})`);
  }
  if (options.gpuFields !== undefined && !GPU_FIELD_SETS.includes(options.gpuFields)) {
    problems.push(`--gpu-fields must be one of ${GPU_FIELD_SETS.join(", ")} (got ${String(options.gpuFields)})`);
  }
  if (options.gpuFormat === "nvidia-smi" && options.gpuFields !== undefined) {
    problems.push("--gpu-fields applies to --gpu-format dcgm only: nvidia_gpu_exporter has no profiling fields; drop one of the two");
  }
  if (options.gpuFormat === "nvidia-smi" && options.gpuHostnameLabel !== undefined) {
    problems.push(
      "--gpu-hostname-label applies to --gpu-format dcgm only: nvidia_gpu_exporter writes no host label (the host comes from the scrape target); drop one of the two",
    );
  }
  if (options.token !== undefined && (options.token === "" || /\s/.test(options.token))) {
    problems.push("the token (--token or SIMULATOR_TOKEN) must be non-empty and contain no whitespace");
  }
  const tls = options.tls === true ? {} : options.tls === false || options.tls === undefined ? undefined : options.tls;
  if (tls !== undefined && (tls.certFile === undefined) !== (tls.keyFile === undefined))
    problems.push("--cert and --key go together: give both, or neither for a self-signed pair");
  const kvBlocks = options.kvBlocks ?? 4096;
  const maxModelLen = options.maxModelLen ?? Math.min(8192, kvBlocks * BLOCK_SIZE);
  if (maxModelLen > kvBlocks * BLOCK_SIZE) {
    problems.push(
      `--max-model-len ${maxModelLen} does not fit in --kv-blocks ${kvBlocks} (${kvBlocks * BLOCK_SIZE} tokens); raise --kv-blocks or lower --max-model-len`,
    );
  }
  if (problems.length > 0) throw new UserError("invalid simulator options", problems);
  const engines = options.engines ?? 1;
  return {
    host: options.host ?? "127.0.0.1",
    port,
    models,
    engines,
    seed: options.seed ?? Math.floor(Math.random() * 2 ** 32),
    token: options.token,
    tls,
    metricsVersion: options.metricsVersion ?? "current",
    instances,
    load: options.load ?? "steady",
    gpuPort: options.gpuPort,
    gpus: options.gpus ?? Math.min(8, engines * instances),
    gpuFormat: options.gpuFormat ?? "dcgm",
    gpuHostnameLabel: options.gpuHostnameLabel ?? "Hostname",
    gpuFields: options.gpuFields ?? "all",
    speculativeTokens: options.speculativeTokens ?? 0,
    loraAdapters: options.loraAdapters ?? 0,
    enableMfuMetrics: options.enableMfuMetrics ?? false,
    kvCacheMetrics: options.kvCacheMetrics ?? false,
    kvConnector: options.kvConnector,
    multimodal: options.multimodal ?? false,
    maxNumQueuedReqs: options.maxNumQueuedReqs,
    maxNumQueuedTokens: options.maxNumQueuedTokens,
    truthFile: options.truthFile,
    latencies: options.latencies ?? true,
    maxNumSeqs: options.maxNumSeqs ?? 256,
    kvBlocks,
    maxModelLen,
    maxNumBatchedTokens: options.maxNumBatchedTokens ?? 8192,
  };
}
