import { dcgm, type MetricFamily } from "../catalog/index.js";
import type { GpuReading } from "./gpu.js";

export interface DcgmHost {
  readonly hostname: string;
  /** `hostname` since dcgm-exporter PR #655, `Hostname` before. */
  readonly hostnameLabel: "hostname" | "Hostname";
}

/** The GPUs as dcgm-exporter's page shows them: MiB, MHz, whole percent, one host label. */
export function renderDcgm(readings: readonly GpuReading[], host: DcgmHost): string {
  const out: string[] = [];
  const labels = readings.map((gpu) => labelText(gpu, host));
  const family = (definition: MetricFamily, value: (gpu: GpuReading) => string): void => {
    out.push(`# HELP ${definition.name} ${definition.help}\n# TYPE ${definition.name} ${definition.type}\n`);
    readings.forEach((gpu, index) => out.push(`${definition.name}${labels[index] as string} ${value(gpu)}\n`));
  };
  const integer = (value: number) => String(Math.round(value));
  const float = (value: number) => value.toFixed(6);
  family(dcgm.smClock, (gpu) => integer(gpu.smClockMhz));
  family(dcgm.memClock, (gpu) => integer(gpu.memoryClockMhz));
  family(dcgm.memoryTemp, (gpu) => integer(gpu.memoryTemperatureCelsius));
  family(dcgm.gpuTemp, (gpu) => integer(gpu.temperatureCelsius));
  family(dcgm.powerUsage, (gpu) => float(gpu.powerDrawWatts));
  family(dcgm.totalEnergyConsumption, (gpu) => integer(gpu.energyMillijoules));
  family(dcgm.gpuUtil, (gpu) => integer(gpu.utilizationPercent));
  family(dcgm.memCopyUtil, (gpu) => integer(gpu.memoryUtilizationPercent));
  family(dcgm.fbFree, (gpu) => integer(gpu.memoryFreeMib));
  family(dcgm.fbUsed, (gpu) => integer(gpu.memoryUsedMib));
  family(dcgm.fbReserved, (gpu) => integer(gpu.memoryReservedMib));
  family(dcgm.grEngineActive, (gpu) => float(gpu.busy * 0.97));
  family(dcgm.tensorActive, (gpu) => float(gpu.intensity * 0.6));
  family(dcgm.dramActive, (gpu) => float(gpu.busy * 0.45));
  return out.join("");
}

function labelText(gpu: GpuReading, host: DcgmHost): string {
  // why: dcgm-exporter writes labels in this order, not sorted.
  const values: Record<string, string> = {
    gpu: String(gpu.index),
    UUID: gpu.uuid,
    pci_bus_id: gpu.pciBusId,
    device: `nvidia${gpu.index}`,
    modelName: gpu.name,
    [host.hostnameLabel]: host.hostname,
  };
  return `{${Object.entries(values)
    .map(([name, value]) => `${name}="${value}"`)
    .join(",")}}`;
}
