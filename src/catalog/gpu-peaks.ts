/**
 * Peak dense FP16/BF16 tensor throughput and memory bandwidth per GPU model, for MFU and
 * bandwidth utilisation. `pattern` is a regex over the exporter's model name (dcgm-exporter
 * `modelName`, nvidia_gpu_exporter `name`, e.g. "NVIDIA H100 80GB HBM3"); the first match wins,
 * so a variant comes before its family. Figures are the vendors' dense (not 2:4 sparse) numbers:
 * H100 SXM 989.4 TFLOPS and 3.35 TB/s, H100 PCIe half of 1,513 sparse and 2.0 TB/s (NVIDIA's
 * H100 table, glennklockwood.com/garden/processors/h100); A100 312 / 2.0, H200 989 / 4.8,
 * B200 2,250 / 8.0, L40S 362 / 0.864 (llmbook appendix G.1 GPU comparison, early 2026).
 * A GPU not listed has no MFU %: set GPU_PEAK_TFLOPS and GPU_PEAK_MEMORY_BANDWIDTH_GBPS.
 */
export interface GpuPeak {
  readonly model: string;
  readonly pattern: string;
  /** Dense FP16/BF16 tensor FLOP/s. */
  readonly flopsPerSecond: number;
  readonly memoryBytesPerSecond: number;
}

export const GPU_PEAKS: readonly GpuPeak[] = [
  { model: "H100 PCIe", pattern: ".*H100.*PCIe.*", flopsPerSecond: 756e12, memoryBytesPerSecond: 2.0e12 },
  { model: "H100 SXM", pattern: ".*H100.*", flopsPerSecond: 989.4e12, memoryBytesPerSecond: 3.35e12 },
  { model: "H200", pattern: ".*H200.*", flopsPerSecond: 989.4e12, memoryBytesPerSecond: 4.8e12 },
  { model: "B200", pattern: ".*B200.*", flopsPerSecond: 2250e12, memoryBytesPerSecond: 8.0e12 },
  { model: "A100", pattern: ".*A100.*", flopsPerSecond: 312e12, memoryBytesPerSecond: 2.0e12 },
  { model: "L40S", pattern: ".*L40S.*", flopsPerSecond: 362e12, memoryBytesPerSecond: 0.864e12 },
];
