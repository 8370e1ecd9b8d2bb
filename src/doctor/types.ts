import type { ScrapeTarget } from "../prometheus/client.js";
import type { Scheme } from "../config/targets.js";

/** One endpoint to check, as VLLM_TARGET (or --target) resolves it. */
export interface DoctorTarget {
  /** `host:port`, IPv6 in brackets. */
  readonly address: string;
  readonly scheme: Scheme;
  readonly metricsPath: string;
  /** Where the target came from, named in fixes: `VLLM_TARGET`, `--target`, a targets file. */
  readonly source: string;
}

export interface DoctorSettings {
  /** Sent as `Authorization: Bearer …`; never printed. */
  readonly token?: string;
  /** PEM text of the CA that signed the server certificate (VLLM_TLS_CA_FILE). */
  readonly caPem?: string;
  /** Skip certificate checks, as Prometheus's `insecure_skip_verify`. */
  readonly insecureSkipVerify: boolean;
  readonly timeoutMs: number;
  /** Prometheus's base URL; its /api/v1/targets adds health and the last scrape error. */
  readonly prometheusUrl?: string;
  /** How a .env change reaches the running stack, named in fixes; default `vllm-monitor up`. */
  readonly applyCommand?: string;
  /** REMOTE_WRITE_URL and its credentials (never printed), when set. */
  readonly remoteWrite?: Omit<RemoteWriteProbe, "timeoutMs">;
  /** The longest doctor waits for scrapes under a just-reloaded configuration (default 30 s). */
  readonly freshScrapeWaitMs?: number;
  /** PROMETHEUS_MODE=agent: Prometheus keeps no queryable data here. */
  readonly agent?: boolean;
}

/** `ok` ✔, `problem` ✖ (exit 1), `note` ⚠ (worth knowing, not a failure). */
export type CheckStatus = "ok" | "problem" | "note";

export type CheckName = "config" | "dns" | "tcp" | "tls" | "http" | "body" | "generation" | "panels" | "prometheus" | "remote-write";

export interface CheckResult {
  readonly check: CheckName;
  readonly status: CheckStatus;
  /** What was found, in plain words. */
  readonly message: string;
  /** How to fix it, naming the variable or option to change. */
  readonly fix?: string;
}

/**
 * Which vLLM metric names a server exports (vllm-metrics.md §2i, §3):
 * `current` V1 ≥ 0.11 (kv_cache_usage_perc only); `0.10` V1 0.9.2–0.11 (old and new KV names);
 * `v1-early` V1 0.8.3–0.9.1 (gpu_cache_usage_perc with an `engine` label);
 * `v0` the V0 engine or V1 before 0.8.3 (gpu_cache_usage_perc, no `engine` label);
 * `unknown` some `vllm:` names but no KV-cache gauge; `none` no `vllm:` names at all.
 */
export type VllmGeneration = "current" | "0.10" | "v1-early" | "v0" | "unknown" | "none";

export interface EmptyPanel {
  readonly dashboard: string;
  readonly panel: string;
  /** Series the panel's queries name that the scrape lacks. */
  readonly missing: readonly string[];
  readonly reason: string;
}

/** A panel that needs a vLLM flag or version this target does not have (its "No data: needs …" text). */
export interface OptionalPanel {
  readonly dashboard: string;
  readonly panel: string;
  readonly needs: string;
}

export interface OtherExporterPanel {
  readonly dashboard: string;
  readonly panel: string;
  /** e.g. "dcgm-exporter or nvidia_gpu_exporter", "node_exporter". */
  readonly exporters: readonly string[];
}

export interface TargetReport {
  /** `scheme://address/path`, never with credentials. */
  readonly target: string;
  readonly source: string;
  readonly ok: boolean;
  readonly checks: readonly CheckResult[];
  readonly generation?: VllmGeneration;
  readonly models: readonly string[];
  readonly engines: readonly string[];
  readonly emptyPanels: readonly EmptyPanel[];
  readonly otherExporterPanels: readonly OtherExporterPanel[];
  /** Empty panels whose feature is off here (speculative decoding, LoRA, a newer vLLM): information, not a problem. */
  readonly optionalPanels?: readonly OptionalPanel[];
  readonly prometheus?: Pick<ScrapeTarget, "scrapeUrl" | "health" | "lastError" | "lastScrape" | "limitAdvice">;
}

export interface DoctorReport {
  readonly ok: boolean;
  readonly targets: readonly TargetReport[];
  /** Checks that belong to no single target: Prometheus reachability, no target configured. */
  readonly general: readonly CheckResult[];
}

/** A remote-write endpoint to probe, with its credentials (values only in memory, never printed). */
export interface RemoteWriteProbe {
  readonly url: string;
  readonly token?: string;
  readonly username?: string;
  readonly password?: string;
  readonly caPem?: string;
  /** REMOTE_WRITE_HEADERS (a tenant header), sent as Prometheus would. */
  readonly headers?: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
}
