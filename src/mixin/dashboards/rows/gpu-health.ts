import { dcgm, nvidiaSmi } from "../../../catalog/index.js";
import type { Thresholds } from "../../config.js";
import { gpuPowerWatts } from "../../../promql/gpu.js";
import * as health from "../../../promql/gpu-health.js";
import type { QueryOptions } from "../../../promql/vllm.js";
import type { RowSpec } from "../panels.js";

/** Legends name the host and the GPU: dcgm-exporter's index, or nvidia_gpu_exporter's uuid. */
export const GPU_LEGEND = "{{hostname}} / GPU {{gpu}}{{uuid}}";

const OPTIONAL_FIELDS = "add the field to dcgm-exporter's collectors CSV (not in its default-counters.csv)";

/** Is a GPU failing: hardware errors, link retries, throttling, heat and power at their limits. */
export function gpuHealthRow(query: QueryOptions, thresholds: Thresholds): RowSpec {
  const { scope } = query;
  const freeBytes = thresholds.gpuMemory.freeBytes;
  return {
    title: "GPU health",
    panels: [
      {
        key: "machine/gpu-xid",
        kind: "timeseries",
        title: "Xid errors",
        description:
          `Two different readings. dcgm-exporter: the code of the last Xid error each GPU reported (${dcgm.xidErrors.name}, a gauge, 0 while there was none; ` +
          `a second error with the same code does not change it). nvidia_gpu_exporter's nvml backend: how many Xid errors of each code a GPU reported so far ` +
          `(${nvidiaSmi.xidErrors.name}, a counter, one line per code). Pages: codes ${health.XID_CRITICAL_CODES.join(", ")} (GpuXidError, critical) and ` +
          `${health.XID_WARNING_CODES.join(", ")} (GpuXidWarning); other codes (e.g. 45, left by every killed vLLM process) are shown here and page nobody.`,
        unit: "none",
        min: 0,
        // why: nvidia_gpu_exporter writes no Xid series until the first Xid; an empty panel is then the good news.
        noValue: "No Xid error reported",
        targets: [{ expr: health.xidReadings(scope), legend: `${GPU_LEGEND}: {{reading}} {{xid}}` }],
      },
      {
        key: "machine/gpu-row-remap",
        kind: "timeseries",
        title: "Row remapping",
        description:
          `Rows of GPU memory remapped after uncorrectable errors (${dcgm.uncorrectableRemappedRows.name}) and whether a remap failed ` +
          `(${dcgm.rowRemapFailure.name} = 1 fires GpuRowRemapFailure: the GPU has no spare rows left). Healthy GPUs stay at 0. dcgm-exporter only.`,
        unit: "none",
        min: 0,
        targets: [
          { expr: health.uncorrectableRemappedRows(scope), legend: `${GPU_LEGEND}: uncorrectable rows remapped` },
          { expr: health.rowRemapFailure(scope), legend: `${GPU_LEGEND}: remap failed` },
        ],
      },
      {
        key: "machine/gpu-pcie-replays",
        kind: "timeseries",
        title: "PCIe replays",
        description: `PCIe link retries per second (${dcgm.pcieReplayCounter.name}). A few per hour are normal; a steady rate means a bad riser, slot or cable. dcgm-exporter only.`,
        unit: "ops",
        min: 0,
        targets: [{ expr: health.pcieReplayRate(scope), legend: GPU_LEGEND }],
      },
      {
        key: "machine/gpu-power-limit",
        kind: "timeseries",
        title: "Power against its limit",
        description:
          `Power draw per GPU (${dcgm.powerUsage.name} or ${nvidiaSmi.powerDrawWatts.name}) and, where the exporter states it, the power limit ` +
          `(${dcgm.powerManagementLimit.name}: ${OPTIONAL_FIELDS}; or ${nvidiaSmi.powerLimitWatts.name}). At the limit the GPU lowers its clocks to stay under the cap.`,
        unit: "watt",
        min: 0,
        targets: [
          { expr: gpuPowerWatts(scope), legend: `${GPU_LEGEND}: draw` },
          { expr: health.powerLimitWatts(scope), legend: `${GPU_LEGEND}: limit` },
        ],
      },
      {
        key: "machine/gpu-throttling",
        kind: "timeseries",
        title: "Clock throttling",
        description:
          `Share of time the clocks were held down by the power limit or by heat, from the violation counters ${dcgm.powerViolation.name} and ` +
          `${dcgm.thermalViolation.name} (nanoseconds; ${OPTIONAL_FIELDS}). Set it beside GPU SM clock: a clock drop without throttling is idle parking.`,
        unit: "percentunit",
        min: 0,
        max: 1,
        noValue: `No data: needs ${dcgm.powerViolation.name} and ${dcgm.thermalViolation.name} (${OPTIONAL_FIELDS})`,
        targets: [
          { expr: health.throttledShare("power", scope), legend: `${GPU_LEGEND}: power` },
          { expr: health.throttledShare("thermal", scope), legend: `${GPU_LEGEND}: thermal` },
        ],
      },
      {
        key: "machine/gpu-memory-temperature",
        kind: "timeseries",
        title: "GPU memory temperature",
        description: `HBM temperature per GPU (${dcgm.memoryTemp.name} or ${nvidiaSmi.temperatureMemory.name}); memory throttles on its own limit, often before the core does.`,
        unit: "celsius",
        targets: [{ expr: health.memoryTemperatureCelsius(scope), legend: GPU_LEGEND }],
      },
      {
        key: "machine/gpu-tensor-dram",
        kind: "timeseries",
        title: "Tensor-core and DRAM activity",
        description:
          `Share of cycles the tensor pipes worked (${dcgm.tensorActive.name}) and the memory interface moved data (${dcgm.dramActive.name}). ` +
          "Decoding is memory-bound: DRAM activity near 1 with low tensor activity is a GPU waiting on memory, as expected for small batches. " +
          `Without DCGM profiling (GeForce cards, the default counters) DRAM falls back to ${dcgm.memCopyUtil.name} or ${nvidiaSmi.utilizationMemoryRatio.name}; tensor activity has no fallback.`,
        unit: "percentunit",
        min: 0,
        max: 1,
        targets: [
          { expr: health.tensorActive(scope), legend: `${GPU_LEGEND}: tensor` },
          { expr: health.dramActive(scope), legend: `${GPU_LEGEND}: DRAM` },
        ],
      },
      {
        key: "machine/gpu-interconnect",
        kind: "timeseries",
        title: "NVLink and PCIe throughput",
        description:
          `Bytes per second over NVLink (${dcgm.nvlinkTxBytes.name}, ${dcgm.nvlinkRxBytes.name}: tensor-parallel traffic between GPUs) and PCIe ` +
          `(${dcgm.pcieTxBytes.name}, ${dcgm.pcieRxBytes.name}: weights loading, KV offload). Both are gauges already in bytes per second. ` +
          "They come with DCGM profiling on datacenter GPUs; the NVLink fields only on NVLink GPUs.",
        unit: "Bps",
        legend: "table",
        targets: [
          { expr: health.nvlinkBytesPerSecond("tx", scope), legend: `${GPU_LEGEND}: NVLink sent` },
          { expr: health.nvlinkBytesPerSecond("rx", scope), legend: `${GPU_LEGEND}: NVLink received` },
          { expr: health.pcieBytesPerSecond("tx", scope), legend: `${GPU_LEGEND}: PCIe sent` },
          { expr: health.pcieBytesPerSecond("rx", scope), legend: `${GPU_LEGEND}: PCIe received` },
        ],
      },
      {
        key: "machine/gpu-memory-headroom",
        kind: "timeseries",
        title: "GPU memory headroom",
        description:
          `Framebuffer memory free per GPU (${dcgm.fbFree.name} MiB, or ${nvidiaSmi.memoryFreeBytes.name}): what is left beyond vLLM's reserved pool for CUDA graphs, ` +
          `activations and other processes. ` +
          (freeBytes === undefined
            ? "No alert watches it unless ALERT_GPU_FREE_MEMORY_GIB is set."
            : `The dashed line is GpuMemoryNearFull (${Math.round((freeBytes / 1024 ** 3) * 1000) / 1000} GiB, ALERT_GPU_FREE_MEMORY_GIB).`),
        unit: "bytes",
        min: 0,
        ...(freeBytes === undefined
          ? {}
          : {
              thresholdLine: true,
              thresholds: [
                { value: null, color: "red" },
                { value: freeBytes, color: "green" },
              ],
            }),
        targets: [{ expr: health.gpuMemoryFreeBytes(scope), legend: GPU_LEGEND }],
      },
    ],
  };
}
