/**
 * A real monitoring setup for dashboard tests and the benchmark: simulated vLLM servers (one
 * fleet per metrics version, each with its dcgm-exporter page; optionally one more whose GPUs are
 * served in nvidia_gpu_exporter format), a real node_exporter and a real
 * Prometheus loading our rule files and metric_relabel drops. Everything started is stopped by
 * `stop()`, also when starting fails half-way.
 */
import { buildMixin } from "../../src/mixin/index.js";
import { join } from "node:path";
import { stringify } from "yaml";
import type { MetricsVersion } from "../../src/catalog/index.js";
import { findFreePort, startProcess, waitForHttp, type ManagedProcess } from "../../src/process/index.js";
import { metricRelabelDrops } from "../../src/mixin/rules/index.js";
import { startSimulator, type RunningSimulator, type SimulatorOptions } from "../../src/simulator/index.js";
import { startPrometheus, type RunningPrometheus } from "../helpers/prometheus.js";
import { ruleFileText } from "../../src/render/rule-file-text.js";

export const NODE_JOB = "node";

export function vllmJob(version: MetricsVersion): string {
  return `vllm-${version}`;
}

export function gpuJob(version: MetricsVersion): string {
  return `gpu-${version}`;
}

/** Scrape job of the GPUs served in nvidia_gpu_exporter format (`nvidiaSmiGpus`). */
export const NVIDIA_SMI_GPU_JOB = "gpu-nvidia-smi";

export interface FleetOptions {
  readonly versions: readonly MetricsVersion[];
  /** Options for every simulator besides the version, the truth file and the GPU port. */
  readonly simulator: Omit<SimulatorOptions, "metricsVersion" | "truthFile" | "gpuPort">;
  /** Write each version's ground truth into Prometheus' temp dir as `truth-<version>.jsonl`. */
  readonly truth?: boolean;
  /** false: a plain scrape, without our metric_relabel drops. */
  readonly drops?: boolean;
  readonly rules?: boolean;
  readonly scrapeInterval?: string;
  readonly nodeExporter?: boolean;
  /**
   * Also run one small simulator (one server, two engines, two GPUs) whose GPU page is in
   * nvidia_gpu_exporter format, scraped as NVIDIA_SMI_GPU_JOB; its vLLM page is not scraped.
   */
  readonly nvidiaSmiGpus?: boolean;
  /** Extra Prometheus flags. */
  readonly prometheusArgs?: readonly string[];
}

export interface Fleet {
  readonly prometheus: RunningPrometheus;
  readonly simulators: ReadonlyMap<MetricsVersion, RunningSimulator>;
  /** The simulator behind NVIDIA_SMI_GPU_JOB, with `nvidiaSmiGpus`. */
  readonly nvidiaSmiSimulator: RunningSimulator | undefined;
  truthFile(version: MetricsVersion): string;
  /** Closes the simulators (flushing truth files) but leaves Prometheus up. */
  closeSimulators(): Promise<void>;
  stop(): Promise<void>;
}

function hostPort(url: string): string {
  return new URL(url).host;
}

const NODE_COLLECTORS = ["cpu", "loadavg", "meminfo", "filesystem", "diskstats", "netdev", "stat", "time", "uname"];

export async function startNodeExporter(): Promise<{ process: ManagedProcess; target: string }> {
  const port = await findFreePort();
  const process = startProcess({
    name: "node_exporter",
    command: "/usr/bin/prometheus-node-exporter",
    args: [
      `--web.listen-address=127.0.0.1:${port}`,
      "--collector.disable-defaults",
      ...NODE_COLLECTORS.map((name) => `--collector.${name}`),
    ],
  });
  try {
    await waitForHttp(`http://127.0.0.1:${port}/metrics`, { what: "node_exporter", timeoutMs: 15_000 });
  } catch (error) {
    await process.stop();
    throw error;
  }
  return { process, target: `127.0.0.1:${port}` };
}

export async function startFleet(options: FleetOptions, truthDir: string): Promise<Fleet> {
  const simulators = new Map<MetricsVersion, RunningSimulator>();
  let nvidiaSmiSimulator: RunningSimulator | undefined;
  let nodeExporter: { process: ManagedProcess; target: string } | undefined;
  let prometheus: RunningPrometheus | undefined;
  let simulatorsClosed = false;
  const truthFile = (version: MetricsVersion) => join(truthDir, `truth-${version}.jsonl`);
  const closeSimulators = async () => {
    if (simulatorsClosed) return;
    simulatorsClosed = true;
    await Promise.all([...simulators.values(), ...(nvidiaSmiSimulator ? [nvidiaSmiSimulator] : [])].map((simulator) => simulator.close()));
  };
  const stop = async () => {
    await closeSimulators();
    await nodeExporter?.process.stop();
    await prometheus?.stop();
  };
  try {
    for (const version of options.versions) {
      simulators.set(
        version,
        await startSimulator({
          ...options.simulator,
          metricsVersion: version,
          gpuPort: 0,
          // why: exercise both dcgm-exporter host labels, and the GPU Operator field set (no power limit, throttling or NVLink), with the V0 fleet.
          gpuHostnameLabel: version === "0.6" ? "Hostname" : "hostname",
          gpuFields: version === "0.6" ? "defaults" : "all",
          ...(options.truth ? { truthFile: truthFile(version) } : {}),
        }),
      );
    }
    if (options.nvidiaSmiGpus) {
      nvidiaSmiSimulator = await startSimulator({
        instances: 1,
        engines: 2,
        gpus: 2,
        seed: 7,
        load: "steady",
        gpuPort: 0,
        gpuFormat: "nvidia-smi",
      });
    }
    if (options.nodeExporter ?? true) nodeExporter = await startNodeExporter();
    const files = Object.fromEntries(
      ((options.rules ?? true) ? buildMixin().ruleFiles : []).map((file) => [file.fileName, ruleFileText(file)]),
    );
    const scrapeConfigs = [...simulators.entries()].flatMap(([version, simulator]) => [
      {
        job_name: vllmJob(version),
        ...((options.drops ?? true) ? { metric_relabel_configs: metricRelabelDrops() } : {}),
        static_configs: [{ targets: simulator.urls.map(hostPort) }],
      },
      { job_name: gpuJob(version), static_configs: [{ targets: simulator.gpuUrl === undefined ? [] : [hostPort(simulator.gpuUrl)] }] },
    ]);
    if (nvidiaSmiSimulator?.gpuUrl !== undefined)
      scrapeConfigs.push({ job_name: NVIDIA_SMI_GPU_JOB, static_configs: [{ targets: [hostPort(nvidiaSmiSimulator.gpuUrl)] }] });
    if (nodeExporter) scrapeConfigs.push({ job_name: NODE_JOB, static_configs: [{ targets: [nodeExporter.target] }] });
    const interval = options.scrapeInterval ?? "1s";
    prometheus = await startPrometheus({
      config: (dir) =>
        stringify({
          global: { scrape_interval: interval, evaluation_interval: interval },
          rule_files: Object.keys(files).map((name) => join(dir, name)),
          scrape_configs: scrapeConfigs,
        }),
      files,
      args: options.prometheusArgs ?? [],
    });
    const running = prometheus;
    return { prometheus: running, simulators, nvidiaSmiSimulator, truthFile, closeSimulators, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
