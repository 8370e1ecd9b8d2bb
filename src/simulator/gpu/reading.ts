/** What the simulated GPUs are and read, shared by the GPU model and the two exporter pages it is served as. */

/** Which exporter's page the simulated GPUs are served as. */
export const GPU_FORMATS = ["dcgm", "nvidia-smi"] as const;
export type GpuFormat = (typeof GPU_FORMATS)[number];

/**
 * Which dcgm-exporter fields are served: `all` (default counters plus profiling and the optional
 * power-limit, violation and NVLink fields, as with a full collectors CSV), or `defaults` (the
 * field set of the GPU Operator's real pages: default counters plus five profiling fields).
 */
export const GPU_FIELD_SETS = ["all", "defaults"] as const;
export type GpuFieldSet = (typeof GPU_FIELD_SETS)[number];

/** Why a GPU lowers its clocks, as DCGM's violation counters name it. */
export const THROTTLE_REASONS = ["thermal", "power"] as const;
export type ThrottleReason = (typeof THROTTLE_REASONS)[number];

/** One GPU at one moment, in nvidia-smi's units (MiB, MHz, W, °C, whole percent). */
export interface GpuReading {
  readonly index: number;
  /** `GPU-…`, as nvidia-smi and dcgm-exporter print it. */
  readonly uuid: string;
  readonly pciBusId: string;
  readonly name: string;
  readonly driverVersion: string;
  readonly utilizationPercent: number;
  readonly memoryUtilizationPercent: number;
  /** 0–1: share of the last interval an engine stepped. */
  readonly busy: number;
  /** 0–1: how hard the GPU worked (drives power, heat, clocks). */
  readonly intensity: number;
  readonly memoryTotalMib: number;
  readonly memoryReservedMib: number;
  readonly memoryUsedMib: number;
  readonly memoryFreeMib: number;
  readonly powerDrawWatts: number;
  readonly powerLimitWatts: number;
  readonly temperatureCelsius: number;
  readonly memoryTemperatureCelsius: number;
  readonly smClockMhz: number;
  readonly memoryClockMhz: number;
  readonly energyMillijoules: number;
  /** The last Xid code (0: none since the exporter started), and how many of each code occurred. */
  readonly xid: number;
  readonly xidCounts: ReadonlyMap<number, number>;
  readonly rowRemapFailure: boolean;
  readonly uncorrectableRemappedRows: number;
  readonly correctableRemappedRows: number;
  readonly pcieReplays: number;
  /** Nanoseconds spent throttled, per cause (NVML's violationTime unit). */
  readonly powerViolationNanos: number;
  readonly thermalViolationNanos: number;
  /** Bytes per second over PCIe and NVLink. */
  readonly pcieTxBytesPerSecond: number;
  readonly pcieRxBytesPerSecond: number;
  readonly nvlinkTxBytesPerSecond: number;
  readonly nvlinkRxBytesPerSecond: number;
}
