import { renderDcgm } from "./dcgm.js";
import { renderNvidiaSmi } from "./nvidia-smi.js";
import type { Random } from "../engine/random.js";
import type { GpuFieldSet, GpuFormat, GpuReading, ThrottleReason } from "./reading.js";

/** One engine as the GPU model sees it. */
export interface GpuWorkload {
  busySeconds(): number;
  intenseSeconds(): number;
  usedBlocks(): number;
  totalBlocks(): number;
}

export interface GpuFleetOptions {
  readonly gpus: number;
  readonly format: GpuFormat;
  readonly fieldSet: GpuFieldSet;
  readonly hostname: string;
  readonly hostnameLabel: "hostname" | "Hostname";
  readonly random: Random;
}

// H200 figures from the captured nvidia-smi samples (reference gpu-samples/README.md).
const TOTAL_MIB = 143_771;
const RESERVED_MIB = 616;
const CONTEXT_MIB = 1_011;
const WEIGHTS_MIB = 16_384;
const KV_POOL_MIB = Math.floor((TOTAL_MIB - RESERVED_MIB) * 0.9) - WEIGHTS_MIB;
const IDLE_POWER_W = 120;
const PARKED_POWER_W = 78;
const LOAD_POWER_W = 690;
const POWER_LIMIT_W = 700;
const PARK_AFTER_SECONDS = 30;
const MEMORY_CLOCK_MHZ = 3201;
const GPU_NAME = "NVIDIA H200";
const DRIVER_VERSION = "580.159.04";
// why: an H200 moves a few GB/s to and from the host while serving, and far more over NVLink under tensor parallelism.
const PCIE_LOAD_BYTES_PER_SECOND = 2.5e9;
const PCIE_IDLE_BYTES_PER_SECOND = 4e6;
const NVLINK_LOAD_BYTES_PER_SECOND = 60e9;
/** Where an injected thermal fault drives the GPU and its memory (°C): past GpuTemperatureHigh's 85 °C. */
const FAULT_TEMPERATURE_C = 90;
const FAULT_MEMORY_TEMPERATURE_C = 88;
/** Share of the SM clock left while a fault throttles the GPU. */
const THROTTLED_CLOCK_SHARE = 0.55;

interface GpuState {
  readonly index: number;
  readonly uuid: string;
  readonly workloads: GpuWorkload[];
  lastBusy: number;
  busy: number;
  lastIntense: number;
  /** 0–1: how hard the GPU works (drives power, heat, clocks). */
  intensity: number;
  idleSeconds: number;
  power: number;
  temperature: number;
  memoryTemperature: number;
  smClock: number;
  energyMillijoules: number;
  fbUsed: number;
  xid: number;
  readonly xidCounts: Map<number, number>;
  rowRemapFailure: boolean;
  uncorrectableRemappedRows: number;
  correctableRemappedRows: number;
  pcieReplays: number;
  powerViolationNanos: number;
  thermalViolationNanos: number;
  /** An injected throttle and the fleet time it ends at. */
  throttle: { readonly reason: ThrottleReason; readonly until: number } | undefined;
}

function approach(current: number, target: number, dt: number, tau: number): number {
  return current + (target - current) * (1 - Math.exp(-dt / tau));
}

/**
 * Simulated GPUs that follow the engines' load with H200 dynamics: power jumps to ~690 W (700 W
 * cap) within a second or two, temperature climbs 36 → 57 °C with a ~8 s time constant and falls
 * faster, the SM clock throttles 1980 → ~1500 MHz when hot, framebuffer use is weights plus the
 * KV blocks in use. `render` serves them as dcgm-exporter or nvidia_gpu_exporter would.
 */
export class GpuFleet {
  private readonly options: GpuFleetOptions;
  private readonly states: GpuState[];
  /** Seconds the model has advanced, the clock of injected throttles. */
  private elapsed = 0;

  constructor(options: GpuFleetOptions, workloads: readonly GpuWorkload[]) {
    this.options = options;
    this.states = Array.from({ length: options.gpus }, (_, index) => this.initialState(index, workloads));
  }

  // why: the weights are loaded before the first scrape, so memory starts with them, not at the first update.
  private initialState(index: number, all: readonly GpuWorkload[]): GpuState {
    const workloads = all.filter((_, position) => position % this.options.gpus === index);
    return {
      index,
      uuid: uuidFrom(this.options.random),
      workloads,
      lastBusy: 0,
      busy: 0,
      lastIntense: 0,
      intensity: 0,
      idleSeconds: 0,
      power: IDLE_POWER_W,
      temperature: 36,
      memoryTemperature: 36,
      smClock: 1980,
      energyMillijoules: 0,
      fbUsed: framebufferUsedMib(workloads),
      xid: 0,
      xidCounts: new Map(),
      rowRemapFailure: false,
      uncorrectableRemappedRows: 0,
      correctableRemappedRows: 0,
      pcieReplays: 0,
      powerViolationNanos: 0,
      thermalViolationNanos: 0,
      throttle: undefined,
    };
  }

  private gpu(index: number): GpuState {
    const state = this.states[index];
    if (state === undefined) throw new RangeError(`no GPU ${index}: this simulator has GPUs 0 to ${this.states.length - 1}`);
    return state;
  }

  /** Simulates an Xid error on a GPU: the last-Xid gauge takes the code, the count of that code grows. */
  injectXid(index: number, code: number): void {
    const gpu = this.gpu(index);
    gpu.xid = code;
    gpu.xidCounts.set(code, (gpu.xidCounts.get(code) ?? 0) + 1);
  }

  /** Throttles a GPU for `seconds`: clocks drop, the matching violation counter runs, heat or power sits at its limit. */
  throttle(index: number, reason: ThrottleReason, seconds: number): void {
    this.gpu(index).throttle = { reason, until: this.elapsed + seconds };
  }

  /** An uncorrectable memory error whose row could not be remapped: the GPU needs a reset or service. */
  failRowRemap(index: number): void {
    const gpu = this.gpu(index);
    gpu.uncorrectableRemappedRows += 1;
    gpu.rowRemapFailure = true;
  }

  /** Advances the thermal and power model by `dt` seconds. */
  update(dt: number): void {
    const random = this.options.random;
    this.elapsed += dt;
    for (const gpu of this.states) {
      if (gpu.throttle !== undefined && this.elapsed >= gpu.throttle.until) gpu.throttle = undefined;
      const busyNow = gpu.workloads.reduce((total, workload) => total + workload.busySeconds(), 0);
      gpu.busy = dt > 0 ? Math.min(1, Math.max(0, (busyNow - gpu.lastBusy) / dt)) : 0;
      gpu.lastBusy = busyNow;
      const intenseNow = gpu.workloads.reduce((total, workload) => total + workload.intenseSeconds(), 0);
      gpu.intensity = dt > 0 ? Math.min(1, Math.max(0, (intenseNow - gpu.lastIntense) / dt)) : 0;
      gpu.lastIntense = intenseNow;
      gpu.idleSeconds = gpu.busy > 0.01 ? 0 : gpu.idleSeconds + dt;
      const parked = gpu.idleSeconds > PARK_AFTER_SECONDS;
      const targetPower = parked ? PARKED_POWER_W : IDLE_POWER_W + gpu.intensity * (LOAD_POWER_W - IDLE_POWER_W);
      gpu.power = Math.min(POWER_LIMIT_W, approach(gpu.power, targetPower, dt, 0.5) + (random.next() - 0.5) * 6);
      // why: a thermal fault (failed cooling) drives the GPU to its slowdown temperature whatever the load;
      // pulled toward the load's own temperature at the same time, it would settle in the 50s and never alert.
      const overheating = gpu.throttle?.reason === "thermal";
      const heating = overheating ? FAULT_TEMPERATURE_C : 36 + gpu.intensity * 21.5;
      gpu.temperature = approach(gpu.temperature, heating, dt, heating > gpu.temperature ? (overheating ? 4 : 8) : 1.5);
      const memoryHeating = overheating ? FAULT_MEMORY_TEMPERATURE_C : 36 + gpu.intensity * 12;
      gpu.memoryTemperature = approach(
        gpu.memoryTemperature,
        memoryHeating,
        dt,
        memoryHeating > gpu.memoryTemperature ? (overheating ? 4 : 10) : 4,
      );
      const heat = Math.min(1, Math.max(0, (gpu.temperature - 36) / 21));
      const throttled = 1980 - heat * 480 + (random.next() - 0.5) * 60;
      gpu.smClock = parked ? 345 : gpu.intensity > 0.3 ? Math.round(throttled / 15) * 15 : 1980;
      if (gpu.throttle !== undefined) this.applyThrottle(gpu, gpu.throttle.reason, dt);
      gpu.energyMillijoules += gpu.power * dt * 1000;
      gpu.fbUsed = framebufferUsedMib(gpu.workloads);
      // why: a healthy link retries now and then; a few per hour is normal, a steady rate is not.
      if (random.chance(dt / 1800)) gpu.pcieReplays += 1;
    }
  }

  private applyThrottle(gpu: GpuState, reason: ThrottleReason, dt: number): void {
    gpu.smClock = Math.round((gpu.smClock * THROTTLED_CLOCK_SHARE) / 15) * 15;
    if (reason === "thermal") {
      gpu.thermalViolationNanos += dt * 1e9;
    } else {
      gpu.power = Math.min(gpu.power, POWER_LIMIT_W * 0.99);
      gpu.powerViolationNanos += dt * 1e9;
    }
  }

  /** The GPUs as nvidia-smi would read them now. */
  readings(): GpuReading[] {
    return this.states.map((gpu) => ({
      index: gpu.index,
      uuid: gpu.uuid,
      pciBusId: `00000000:${(0x18 + gpu.index * 0x10).toString(16).toUpperCase().padStart(2, "0")}:00.0`,
      name: GPU_NAME,
      driverVersion: DRIVER_VERSION,
      utilizationPercent: Math.round(gpu.busy > 0.02 ? Math.min(100, gpu.busy * 110) : 0),
      memoryUtilizationPercent: Math.round(gpu.busy * 25),
      busy: gpu.busy,
      intensity: gpu.intensity,
      memoryTotalMib: TOTAL_MIB,
      memoryReservedMib: RESERVED_MIB,
      memoryUsedMib: gpu.fbUsed,
      memoryFreeMib: TOTAL_MIB - RESERVED_MIB - gpu.fbUsed,
      powerDrawWatts: gpu.power,
      powerLimitWatts: POWER_LIMIT_W,
      temperatureCelsius: Math.round(gpu.temperature),
      memoryTemperatureCelsius: Math.round(gpu.memoryTemperature),
      smClockMhz: Math.round(gpu.smClock),
      memoryClockMhz: MEMORY_CLOCK_MHZ,
      energyMillijoules: gpu.energyMillijoules,
      xid: gpu.xid,
      xidCounts: new Map(gpu.xidCounts),
      rowRemapFailure: gpu.rowRemapFailure,
      uncorrectableRemappedRows: gpu.uncorrectableRemappedRows,
      correctableRemappedRows: gpu.correctableRemappedRows,
      pcieReplays: gpu.pcieReplays,
      powerViolationNanos: gpu.powerViolationNanos,
      thermalViolationNanos: gpu.thermalViolationNanos,
      pcieTxBytesPerSecond: pcieBytesPerSecond(gpu.busy) * 0.4,
      pcieRxBytesPerSecond: pcieBytesPerSecond(gpu.busy),
      nvlinkTxBytesPerSecond: gpu.intensity * NVLINK_LOAD_BYTES_PER_SECOND,
      nvlinkRxBytesPerSecond: gpu.intensity * NVLINK_LOAD_BYTES_PER_SECOND * 0.98,
    }));
  }

  /** The `/metrics` page of the chosen exporter. */
  render(): string {
    const readings = this.readings();
    return this.options.format === "nvidia-smi"
      ? renderNvidiaSmi(readings)
      : renderDcgm(readings, { hostname: this.options.hostname, hostnameLabel: this.options.hostnameLabel }, this.options.fieldSet);
  }
}

/** CUDA context, plus each engine's weights and the KV blocks it uses, split over the engines sharing the GPU. */
function framebufferUsedMib(workloads: readonly GpuWorkload[]): number {
  const share = Math.max(1, workloads.length);
  return workloads.reduce(
    (total, workload) =>
      total + Math.round((WEIGHTS_MIB + (workload.usedBlocks() / Math.max(1, workload.totalBlocks())) * KV_POOL_MIB) / share),
    CONTEXT_MIB,
  );
}

function pcieBytesPerSecond(busy: number): number {
  return PCIE_IDLE_BYTES_PER_SECOND + busy * PCIE_LOAD_BYTES_PER_SECOND;
}

function uuidFrom(random: Random): string {
  const hex = (length: number) => Array.from({ length }, () => Math.floor(random.next() * 16).toString(16)).join("");
  return `GPU-${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}`;
}
