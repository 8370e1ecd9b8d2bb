/** `vllm-monitor simulate`: serve what vLLM's OpenAI server serves, with a simulated engine behind it. */
import { writeFile } from "node:fs/promises";
import type { Command } from "commander";
import { KV_CONNECTORS, METRICS_VERSIONS } from "../../catalog/index.js";
import { environmentVariable } from "../../config/load.js";
import { VLLM_DEFAULT_PORT } from "../../config/targets.js";
import { UserError, isUserError } from "../../errors.js";
import {
  DEFAULT_MODEL,
  FAULTS_PATH,
  GPU_FIELD_SETS,
  GPU_FORMATS,
  LOAD_PROFILES,
  resolveOptions,
  startSimulator,
  type SimulatorOptions,
} from "../../simulator/index.js";
import { print } from "../../output.js";

interface SimulateFlags {
  readonly host: string;
  readonly port: string;
  readonly model?: string[];
  readonly engines?: string;
  readonly seed?: string;
  readonly token?: string;
  readonly tls: boolean;
  readonly cert?: string;
  readonly key?: string;
  readonly writeCa?: string;
  readonly metricsVersion: string;
  readonly instances?: string;
  readonly load: string;
  readonly gpuPort?: string;
  readonly gpus?: string;
  readonly gpuFormat: string;
  readonly gpuHostnameLabel?: string;
  readonly gpuFields?: string;
  readonly speculative?: string | boolean;
  readonly loraAdapters?: string;
  readonly enableMfuMetrics?: boolean;
  readonly kvCacheMetrics?: boolean;
  readonly kvConnector?: string;
  readonly multimodal?: boolean;
  readonly maxNumQueuedReqs?: string;
  readonly maxNumQueuedTokens?: string;
  readonly truthFile?: string;
  readonly latencies: boolean;
  readonly maxNumSeqs?: string;
  readonly kvBlocks?: string;
  readonly maxModelLen?: string;
}

/** Draft tokens per step when `--speculative` is given without a number. */
const DEFAULT_SPECULATIVE_TOKENS = 3;

/** Environment variable that may carry the token, so it stays out of `ps` (declared in the settings schema). */
const TOKEN_ENV = "SIMULATOR_TOKEN";

export function register(program: Command): void {
  program
    .command("simulate")
    .description(
      "run simulated vLLM servers (OpenAI API, /metrics, optional dcgm-exporter or nvidia_gpu_exporter GPU metrics) with built-in load",
    )
    .option("--host <host>", "address to listen on", "127.0.0.1")
    .option("--port <port>", "first port (instances use consecutive ports; 0 picks free ones)", String(VLLM_DEFAULT_PORT))
    .option("--model <name>", "served model name (repeatable; instances take them round-robin)", collect)
    .option("--engines <n>", "data-parallel engines per server, one `engine` label each (default 1)")
    .option("--seed <n>", "seed for arrivals, lengths and jitter; the same seed replays the same load")
    .option("--token <token>", `require Authorization: Bearer <token> on /metrics and /v1/* (or set ${TOKEN_ENV})`)
    .option("--tls", "serve https (self-signed certificate unless --cert/--key)", false)
    .option("--cert <file>", "PEM certificate for --tls")
    .option("--key <file>", "PEM private key for --tls")
    .option("--write-ca <file>", "with --tls: write the certificate to trust (Prometheus tls_config.ca_file) here")
    .option("--metrics-version <version>", `vLLM release line of the /metrics naming: ${METRICS_VERSIONS.join(", ")}`, "current")
    .option("--instances <n>", "independent servers on consecutive ports (default 1)")
    .option("--load <profile>", `built-in load: ${LOAD_PROFILES.join(", ")}`, "steady")
    .option("--gpu-port <port>", "serve GPU metrics on this port (0 picks a free one)")
    .option(
      "--gpu-format <format>",
      `GPU metrics page: ${GPU_FORMATS.join(" or ")} (dcgm-exporter, or utkuozdemir/nvidia_gpu_exporter)`,
      "dcgm",
    )
    .option("--gpus <n>", "simulated GPUs (default one per engine, at most 8)")
    .option(
      "--gpu-hostname-label <name>",
      "dcgm-exporter host label: Hostname (default; every real dcgm-exporter page of 2021-26 in test/fixtures/real writes it) or hostname (dcgm-exporter after PR #655)",
    )
    .option(
      "--gpu-fields <set>",
      `dcgm-exporter fields: ${GPU_FIELD_SETS.join(" or ")} (the GPU Operator's default fields: no power limit, throttling or NVLink)`,
    )
    .option("--speculative [tokens]", "speculative decoding with this many draft tokens per step (default 3), as vLLM --speculative-config")
    .option("--lora-adapters <n>", "spread the built-in load over n LoRA adapters (lora-1 … lora-n), as vLLM --enable-lora")
    .option("--enable-mfu-metrics", "count the estimated FLOPs and bytes (vLLM --enable-mfu-metrics; without it they stay 0 from 0.32 on)")
    .option("--kv-cache-metrics", "KV block residency histograms (vLLM --kv-cache-metrics)")
    .option(
      "--kv-connector <connector>",
      `a KV connector's metrics: ${KV_CONNECTORS.join(" or ")} (vLLM --kv-transfer-config NixlConnector, --kv-offloading-size, or both: multi)`,
    )
    .option("--multimodal", "every built-in request carries an image, so the multimodal cache counters move")
    .option(
      "--max-num-queued-reqs <n>",
      "refuse arrivals with HTTP 503 while this many requests are in flight, waiting or running (vLLM --max-num-queued-reqs; counted from 0.32 on)",
    )
    .option(
      "--max-num-queued-tokens <n>",
      "refuse arrivals with HTTP 503 while the requests not past prefill hold this many prompt tokens (vLLM --max-num-queued-tokens; counted from 0.32 on)",
    )
    .option("--truth-file <file>", "write every finished request's true TTFT, ITL, queue and E2E times as JSON lines")
    .option("--no-latencies", "engine steps take no time (benchmark profile)")
    .option("--max-num-seqs <n>", "largest batch (vLLM --max-num-seqs, default 256)")
    .option("--kv-blocks <n>", "KV-cache blocks of 16 tokens per engine (default 4096)")
    .option("--max-model-len <n>", "context length (default 8192, at most kv-blocks × 16)")
    .action(async (flags: SimulateFlags) => {
      const options = simulatorOptions(flags);
      const simulator = await startSimulator(options);
      try {
        if (flags.writeCa !== undefined && simulator.caCertPem !== undefined)
          await writeFile(flags.writeCa, simulator.caCertPem, { mode: 0o644 });
      } catch (error) {
        await simulator.close();
        throw new UserError("cannot write the CA certificate", [`--write-ca ${flags.writeCa}: ${(error as Error).message}`]);
      }
      print(describe(flags, options, simulator.urls, simulator.gpuUrl, simulator.seed));
      await untilSignal();
      await simulator.close();
      print("simulator stopped\n");
    });
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Turns the flags into options; every bad flag is reported at once. */
function simulatorOptions(flags: SimulateFlags): SimulatorOptions {
  const problems: string[] = [];
  const integer = (flag: string, value: string | undefined): number | undefined => {
    if (value === undefined) return undefined;
    if (!/^\d+$/.test(value)) {
      problems.push(`${flag} must be a whole number (got "${value}")`);
      return undefined;
    }
    return Number(value);
  };
  const token = flags.token ?? environmentVariable(TOKEN_ENV)?.reveal();
  if ((flags.cert !== undefined || flags.key !== undefined || flags.writeCa !== undefined) && !flags.tls)
    problems.push("--cert, --key and --write-ca need --tls");
  if (
    (flags.gpuFormat !== "dcgm" || flags.gpuHostnameLabel !== undefined || flags.gpuFields !== undefined) &&
    flags.gpuPort === undefined
  ) {
    problems.push("--gpu-format, --gpu-hostname-label and --gpu-fields need --gpu-port (the port of the GPU metrics page)");
  }
  const speculativeTokens =
    flags.speculative === undefined
      ? undefined
      : flags.speculative === true
        ? DEFAULT_SPECULATIVE_TOKENS
        : integer("--speculative", String(flags.speculative));
  const options: SimulatorOptions = {
    host: flags.host,
    port: integer("--port", flags.port),
    model: flags.model,
    engines: integer("--engines", flags.engines),
    seed: integer("--seed", flags.seed),
    token,
    tls: flags.tls ? { certFile: flags.cert, keyFile: flags.key } : false,
    metricsVersion: flags.metricsVersion as SimulatorOptions["metricsVersion"],
    instances: integer("--instances", flags.instances),
    load: flags.load as SimulatorOptions["load"],
    gpuPort: integer("--gpu-port", flags.gpuPort),
    gpus: integer("--gpus", flags.gpus),
    gpuFormat: flags.gpuFormat as SimulatorOptions["gpuFormat"],
    gpuHostnameLabel: flags.gpuHostnameLabel as SimulatorOptions["gpuHostnameLabel"],
    gpuFields: flags.gpuFields as SimulatorOptions["gpuFields"],
    speculativeTokens,
    loraAdapters: integer("--lora-adapters", flags.loraAdapters),
    enableMfuMetrics: flags.enableMfuMetrics === true,
    kvCacheMetrics: flags.kvCacheMetrics === true,
    kvConnector: flags.kvConnector as SimulatorOptions["kvConnector"],
    multimodal: flags.multimodal === true,
    maxNumQueuedReqs: integer("--max-num-queued-reqs", flags.maxNumQueuedReqs),
    maxNumQueuedTokens: integer("--max-num-queued-tokens", flags.maxNumQueuedTokens),
    truthFile: flags.truthFile,
    latencies: flags.latencies,
    maxNumSeqs: integer("--max-num-seqs", flags.maxNumSeqs),
    kvBlocks: integer("--kv-blocks", flags.kvBlocks),
    maxModelLen: integer("--max-model-len", flags.maxModelLen),
  };
  try {
    resolveOptions(options);
  } catch (error) {
    if (!isUserError(error)) throw error;
    problems.push(...error.problems);
  }
  if (problems.length > 0) throw new UserError("invalid simulate options", problems);
  return options;
}

function describe(
  flags: SimulateFlags,
  options: SimulatorOptions,
  urls: readonly string[],
  gpuUrl: string | undefined,
  seed: number,
): string {
  const models = flags.model ?? [DEFAULT_MODEL];
  const lines = [
    `vLLM simulator: ${urls.length} server${urls.length === 1 ? "" : "s"}, metrics-version ${flags.metricsVersion}, load ${flags.load}, seed ${seed}${flags.latencies ? "" : ", latencies off"}`,
  ];
  const shown = urls.length <= 8 ? urls : [urls[0] as string, "…", urls[urls.length - 1] as string];
  for (const url of shown) lines.push(`  ${url}${url === "…" ? "" : "/v1  (metrics: " + url + "/metrics)"}`);
  lines.push(`  model${models.length === 1 ? "" : "s"}: ${models.join(", ")}`);
  if (options.speculativeTokens !== undefined && options.speculativeTokens > 0)
    lines.push(`  speculative decoding: ${options.speculativeTokens} draft tokens per step`);
  if (options.loraAdapters !== undefined && options.loraAdapters > 0) lines.push(`  LoRA adapters: lora-1 … lora-${options.loraAdapters}`);
  if (gpuUrl !== undefined) {
    lines.push(`GPU metrics (${flags.gpuFormat === "nvidia-smi" ? "nvidia_gpu_exporter" : "dcgm-exporter"} format): ${gpuUrl}/metrics`);
    lines.push(
      `  inject a fault: curl -X POST '${gpuUrl}${FAULTS_PATH}xid?gpu=0&code=79'  (or throttle?gpu=0&reason=thermal&seconds=60, row-remap?gpu=0)`,
    );
  }
  if (options.token !== undefined)
    lines.push(`bearer token required on /metrics and /v1/* (from ${flags.token !== undefined ? "--token" : TOKEN_ENV})`);
  if (flags.writeCa !== undefined) lines.push(`certificate to trust written to ${flags.writeCa}`);
  lines.push("press Ctrl+C to stop");
  return `${lines.join("\n")}\n`;
}

function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}
