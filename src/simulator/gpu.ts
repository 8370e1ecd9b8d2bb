import { dcgm, type MetricFamily } from "../catalog/index.js";
import type { Random } from "./random.js";

/** One engine as the GPU model sees it. */
export interface GpuWorkload {
  busySeconds(): number;
  intenseSeconds(): number;
  usedBlocks(): number;
  totalBlocks(): number;
}

export interface GpuFleetOptions {
  readonly gpus: number;
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
}

function approach(current: number, target: number, dt: number, tau: number): number {
  return current + (target - current) * (1 - Math.exp(-dt / tau));
}

/**
 * dcgm-exporter-format GPU metrics that follow the engines' load with H200 dynamics: power jumps
 * to ~690 W (700 W cap) within a second or two, temperature climbs 36 → 57 °C with a ~8 s time
 * constant and falls faster, the SM clock throttles 1980 → ~1500 MHz when hot, framebuffer use is
 * weights plus the KV blocks in use.
 */
export class GpuFleet {
  private readonly options: GpuFleetOptions;
  private readonly states: GpuState[];

  constructor(options: GpuFleetOptions, workloads: readonly GpuWorkload[]) {
    this.options = options;
    this.states = Array.from({ length: options.gpus }, (_, index) => ({
      index,
      uuid: uuidFrom(options.random),
      workloads: workloads.filter((_, position) => position % options.gpus === index),
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
      fbUsed: CONTEXT_MIB,
    }));
  }

  /** Advances the thermal and power model by `dt` seconds. */
  update(dt: number): void {
    const random = this.options.random;
    for (const gpu of this.states) {
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
      const heating = 36 + gpu.intensity * 21.5;
      gpu.temperature = approach(gpu.temperature, heating, dt, heating > gpu.temperature ? 8 : 1.5);
      const memoryHeating = 36 + gpu.intensity * 12;
      gpu.memoryTemperature = approach(gpu.memoryTemperature, memoryHeating, dt, memoryHeating > gpu.memoryTemperature ? 10 : 4);
      const heat = Math.min(1, Math.max(0, (gpu.temperature - 36) / 21));
      const throttled = 1980 - heat * 480 + (random.next() - 0.5) * 60;
      gpu.smClock = parked ? 345 : gpu.intensity > 0.3 ? Math.round(throttled / 15) * 15 : 1980;
      gpu.energyMillijoules += gpu.power * dt * 1000;
      const share = Math.max(1, gpu.workloads.length);
      gpu.fbUsed = gpu.workloads.reduce(
        (total, workload) => total + Math.round((WEIGHTS_MIB + (workload.usedBlocks() / Math.max(1, workload.totalBlocks())) * KV_POOL_MIB) / share),
        CONTEXT_MIB,
      );
    }
  }

  render(): string {
    const out: string[] = [];
    const labels = this.states.map((gpu) => this.labelText(gpu));
    const family = (definition: MetricFamily, value: (gpu: GpuState) => string): void => {
      out.push(`# HELP ${definition.name} ${definition.help}\n# TYPE ${definition.name} ${definition.type}\n`);
      this.states.forEach((gpu, index) => out.push(`${definition.name}${labels[index] as string} ${value(gpu)}\n`));
    };
    const integer = (value: number) => String(Math.round(value));
    const float = (value: number) => value.toFixed(6);
    family(dcgm.smClock, (gpu) => integer(gpu.smClock));
    family(dcgm.memClock, () => "3201");
    family(dcgm.memoryTemp, (gpu) => integer(gpu.memoryTemperature));
    family(dcgm.gpuTemp, (gpu) => integer(gpu.temperature));
    family(dcgm.powerUsage, (gpu) => float(gpu.power));
    family(dcgm.totalEnergyConsumption, (gpu) => integer(gpu.energyMillijoules));
    family(dcgm.gpuUtil, (gpu) => integer(gpu.busy > 0.02 ? Math.min(100, gpu.busy * 110) : 0));
    family(dcgm.memCopyUtil, (gpu) => integer(gpu.busy * 25));
    family(dcgm.fbFree, (gpu) => integer(TOTAL_MIB - RESERVED_MIB - gpu.fbUsed));
    family(dcgm.fbUsed, (gpu) => integer(gpu.fbUsed));
    family(dcgm.fbReserved, () => integer(RESERVED_MIB));
    family(dcgm.grEngineActive, (gpu) => float(gpu.busy * 0.97));
    family(dcgm.tensorActive, (gpu) => float(gpu.intensity * 0.6));
    family(dcgm.dramActive, (gpu) => float(gpu.busy * 0.45));
    return out.join("");
  }

  private labelText(gpu: GpuState): string {
    // why: dcgm-exporter writes labels in this order, not sorted.
    const bus = (0x18 + gpu.index * 0x10).toString(16).toUpperCase().padStart(2, "0");
    const values: Record<string, string> = {
      gpu: String(gpu.index),
      UUID: gpu.uuid,
      pci_bus_id: `00000000:${bus}:00.0`,
      device: `nvidia${gpu.index}`,
      modelName: "NVIDIA H200",
      [this.options.hostnameLabel]: this.options.hostname,
    };
    return `{${Object.entries(values)
      .map(([name, value]) => `${name}="${value}"`)
      .join(",")}}`;
  }
}

function uuidFrom(random: Random): string {
  const hex = (length: number) => Array.from({ length }, () => Math.floor(random.next() * 16).toString(16)).join("");
  return `GPU-${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}`;
}
