import { dcgm, node, nvidiaSmi, vllm } from "../../catalog/index.js";
import * as gpu from "../../promql/gpu.js";
import * as host from "../../promql/node.js";
import { machineScope } from "../../promql/scope.js";
import { counterSignals } from "../../promql/signals.js";
import { counterRate, kvCacheUsage, requestsRunning, requestsWaiting, type QueryOptions } from "../../promql/vllm.js";
import type { Thresholds } from "../config.js";
import { DASHBOARD_UIDS, linkTo, standardAnnotations } from "./navigation.js";
import { alertLine, buildDashboard, type DashboardModel, type DashboardSpec, type RowSpec } from "./panels.js";
import { GPU_LEGEND, gpuHealthRow } from "./rows/gpu-health.js";
import type { DashboardOptions } from "./user-overview.js";
import { machineVariables } from "./variables.js";

export const MACHINE_OVERVIEW_UID = DASHBOARD_UIDS.machine;
const GPU_SOURCES = "dcgm-exporter (hostname or Hostname label) or nvidia_gpu_exporter (nvidia-smi; host from instance)";

function gpuRow(query: QueryOptions, thresholds: Thresholds): RowSpec {
  const { scope } = query;
  return {
    title: "GPUs",
    panels: [
      {
        key: "machine/gpu-utilisation",
        kind: "timeseries",
        title: "GPU utilisation",
        description:
          `Busy percentage per GPU: ${dcgm.gpuUtil.name} or ${nvidiaSmi.utilizationGpuRatio.name} × 100 (coarse: busy or not over the sample). ` +
          `Where DCGM profiling works (datacenter GPUs), ${dcgm.grEngineActive.name} × 100 shows how much of the time the graphics engine really worked.`,
        unit: "percent",
        min: 0,
        max: 100,
        targets: [
          { expr: gpu.gpuUtilisationPercent(scope), legend: `busy ${GPU_LEGEND}` },
          { expr: gpu.gpuEngineActivePercent(scope), legend: `engine active ${GPU_LEGEND}` },
        ],
      },
      {
        key: "machine/gpu-memory-used",
        kind: "timeseries",
        title: "GPU memory used",
        description: `Framebuffer memory in use (${dcgm.fbUsed.name} MiB, or ${nvidiaSmi.memoryUsedBytes.name}). vLLM reserves --gpu-memory-utilization of it at start.`,
        unit: "bytes",
        targets: [{ expr: gpu.gpuMemoryUsedBytes(scope), legend: GPU_LEGEND }],
      },
      {
        key: "machine/gpu-memory-ratio",
        kind: "timeseries",
        title: "GPU memory used %",
        description:
          `${dcgm.fbUsed.name} / (${dcgm.fbUsed.name} + ${dcgm.fbFree.name}), or used / total from nvidia-smi. Near --gpu-memory-utilization (0.9 by default) is normal: ` +
          "vLLM reserves that share at start. Memory pressure is the headroom panel below and the KV cache usage.",
        unit: "percentunit",
        min: 0,
        max: 1,
        targets: [{ expr: gpu.gpuMemoryUsedRatio(scope), legend: GPU_LEGEND }],
      },
      {
        key: "machine/gpu-power",
        kind: "timeseries",
        title: "GPU power",
        description: `Power draw per GPU, from ${GPU_SOURCES}.`,
        unit: "watt",
        targets: [{ expr: gpu.gpuPowerWatts(scope), legend: GPU_LEGEND }],
      },
      {
        key: "machine/gpu-temperature",
        kind: "timeseries",
        title: "GPU temperature",
        description: `Core temperature per GPU (${dcgm.gpuTemp.name} or ${nvidiaSmi.temperatureGpu.name}). Alert at ${thresholds.gpuTemperature.celsius} °C.`,
        unit: "celsius",
        thresholdLine: true,
        thresholds: alertLine(thresholds.gpuTemperature.celsius),
        targets: [{ expr: gpu.gpuTemperatureCelsius(scope), legend: GPU_LEGEND }],
      },
      {
        key: "machine/gpu-sm-clock",
        kind: "timeseries",
        title: "GPU SM clock",
        description: `Streaming-multiprocessor clock per GPU (${dcgm.smClock.name} or ${nvidiaSmi.clocksCurrentSmHz.name}); a drop under load means throttling.`,
        unit: "hertz",
        targets: [{ expr: gpu.gpuSmClockHertz(scope), legend: GPU_LEGEND }],
      },
    ],
  };
}

function engineRow(query: QueryOptions, thresholds: Thresholds): RowSpec {
  const counters = counterSignals();
  const byInstance = ["job", "instance", "model_name"];
  return {
    title: "vLLM engines",
    panels: [
      {
        key: "machine/kv-cache-usage",
        kind: "timeseries",
        title: "KV cache usage",
        description:
          `Share of KV-cache blocks in use per instance (fullest engine), from ${vllm.kvCacheUsagePerc.name} or its older name gpu_cache_usage_perc. ` +
          `Never summed across engines. Alert at ${thresholds.kvCacheUsage.ratio * 100}%.`,
        unit: "percentunit",
        min: 0,
        max: 1,
        legend: "table",
        thresholdLine: true,
        thresholds: alertLine(thresholds.kvCacheUsage.ratio),
        links: [linkTo("Instances: load balance", DASHBOARD_UIDS.instances, ["job", "instance", "model_name", "engine"])],
        targets: [{ expr: kvCacheUsage(query, byInstance, "max"), legend: "{{instance}} {{model_name}}" }],
      },
      {
        key: "machine/running-waiting",
        kind: "timeseries",
        title: "Running and waiting requests",
        description: "Requests in the running batch and in the queue of each instance (all engines).",
        unit: "short",
        targets: [
          { expr: requestsRunning(query, byInstance), legend: "running {{instance}} {{model_name}}" },
          { expr: requestsWaiting(query, byInstance), legend: "waiting {{instance}} {{model_name}}" },
        ],
      },
      {
        key: "machine/token-throughput",
        kind: "timeseries",
        title: "Tokens per second",
        description: "Prompt and generated tokens per second of each instance, to set beside GPU utilisation.",
        unit: "suffix: tok/s",
        targets: [
          { expr: counterRate(counters.promptTokens, query, byInstance), legend: "prompt {{instance}} {{model_name}}" },
          { expr: counterRate(counters.generationTokens, query, byInstance), legend: "generation {{instance}} {{model_name}}" },
        ],
      },
    ],
  };
}

function hostRow(query: QueryOptions): RowSpec {
  const { scope } = query;
  return {
    title: "Hosts",
    panels: [
      {
        key: "machine/cpu-busy",
        kind: "timeseries",
        title: "CPU busy",
        description: `Share of CPU time not idle, per host, from ${node.cpuSeconds.name}.`,
        unit: "percent",
        min: 0,
        max: 100,
        targets: [{ expr: host.cpuBusyPercent(scope), legend: "{{instance}}" }],
      },
      {
        key: "machine/load",
        kind: "timeseries",
        title: "Load",
        description: `1-minute load average (${node.load1.name}) and the same per CPU: above 1 per CPU, runnable work waits.`,
        unit: "short",
        targets: [
          { expr: host.load1(scope), legend: "load1 {{instance}}" },
          { expr: host.load1PerCpu(scope), legend: "per CPU {{instance}}" },
        ],
      },
      {
        key: "machine/memory",
        kind: "timeseries",
        title: "RAM used",
        description: `${node.memoryTotalBytes.name} − ${node.memoryAvailableBytes.name}: memory the host cannot hand out without reclaiming.`,
        unit: "bytes",
        targets: [{ expr: host.memoryUsedBytes(scope), legend: "{{instance}}" }],
      },
      {
        key: "machine/filesystem",
        kind: "timeseries",
        title: "Disk space used",
        description: "Fullest real filesystem per host (tmpfs, overlay and similar excluded). Model weights and logs fill disks.",
        unit: "percentunit",
        min: 0,
        max: 1,
        targets: [{ expr: host.filesystemUsedRatio(scope), legend: "{{instance}}" }],
      },
      {
        key: "machine/disk-io",
        kind: "timeseries",
        title: "Disk I/O",
        description: "Bytes read and written per second, all disks of the host.",
        unit: "Bps",
        targets: [
          { expr: host.diskReadBytesRate(scope), legend: "read {{instance}}" },
          { expr: host.diskWrittenBytesRate(scope), legend: "written {{instance}}" },
        ],
      },
      {
        key: "machine/network",
        kind: "timeseries",
        title: "Network",
        description: "Bytes received and sent per second, all interfaces but loopback.",
        unit: "Bps",
        targets: [
          { expr: host.networkReceiveBytesRate(scope), legend: "received {{instance}}" },
          { expr: host.networkTransmitBytesRate(scope), legend: "sent {{instance}}" },
        ],
      },
    ],
  };
}

function scrapeRow(query: QueryOptions): RowSpec {
  return {
    title: "Scrape health",
    panels: [
      {
        key: "machine/targets-up",
        kind: "timeseries",
        title: "Targets up",
        description: "1 when Prometheus' last scrape of the target succeeded, 0 when it failed (down, refused, auth, timeout).",
        unit: "bool_on_off",
        min: 0,
        max: 1,
        width: 24,
        height: 6,
        targets: [{ expr: host.targetUp(query.scope), legend: "{{job}} {{instance}}" }],
      },
    ],
  };
}

/** What the hardware does: GPUs, engines, hosts, scrape health. */
export function machineOverviewSpec(options: DashboardOptions): DashboardSpec {
  const query: QueryOptions = { scope: machineScope(), source: options.source };
  return {
    uid: MACHINE_OVERVIEW_UID,
    title: "vLLM / Machine overview",
    description: `GPUs (${GPU_SOURCES}), vLLM engines, hosts (node_exporter) and scrape health.`,
    tags: ["vllm", "gpu", "node"],
    variables: machineVariables(),
    annotations: standardAnnotations(query.scope),
    rows: [
      gpuRow(query, options.thresholds),
      gpuHealthRow(query, options.thresholds),
      engineRow(query, options.thresholds),
      hostRow(query),
      scrapeRow(query),
    ],
  };
}

export function machineOverviewDashboard(options: DashboardOptions): DashboardModel {
  return buildDashboard(machineOverviewSpec(options));
}
