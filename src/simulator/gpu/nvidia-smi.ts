import { nvidiaSmi, type MetricFamily } from "../../catalog/index.js";
import type { GpuReading } from "./reading.js";

const MIB = 1_048_576;
const MHZ = 1_000_000;

/**
 * The GPUs as utkuozdemir/nvidia_gpu_exporter's page shows them: nvidia-smi's fields converted to
 * base units (percent → ratio, MiB → bytes, MHz → Hz), one `uuid` label and no host label (the
 * host is the scrape target's `instance`), identity on `nvidia_smi_gpu_info`.
 */
export function renderNvidiaSmi(readings: readonly GpuReading[]): string {
  const out: string[] = [];
  const family = (
    definition: MetricFamily,
    labels: (gpu: GpuReading) => Record<string, string>,
    value: (gpu: GpuReading) => number,
  ): void => {
    out.push(`# HELP ${definition.name} ${definition.help}\n# TYPE ${definition.name} ${definition.type}\n`);
    for (const gpu of readings) out.push(`${definition.name}${labelText(labels(gpu))} ${goFloat(value(gpu))}\n`);
  };
  const byUuid = (gpu: GpuReading) => ({ uuid: exporterUuid(gpu) });
  const hundredths = (value: number) => Math.round(value * 100) / 100;
  family(nvidiaSmi.gpuInfo, identity, () => 1);
  family(nvidiaSmi.utilizationGpuRatio, byUuid, (gpu) => gpu.utilizationPercent / 100);
  family(nvidiaSmi.utilizationMemoryRatio, byUuid, (gpu) => gpu.memoryUtilizationPercent / 100);
  family(nvidiaSmi.memoryTotalBytes, byUuid, (gpu) => gpu.memoryTotalMib * MIB);
  family(nvidiaSmi.memoryUsedBytes, byUuid, (gpu) => gpu.memoryUsedMib * MIB);
  family(nvidiaSmi.memoryFreeBytes, byUuid, (gpu) => gpu.memoryFreeMib * MIB);
  // why: nvidia-smi prints watts with two decimals.
  family(nvidiaSmi.powerDrawWatts, byUuid, (gpu) => hundredths(gpu.powerDrawWatts));
  family(nvidiaSmi.powerLimitWatts, byUuid, (gpu) => hundredths(gpu.powerLimitWatts));
  family(nvidiaSmi.temperatureGpu, byUuid, (gpu) => gpu.temperatureCelsius);
  family(nvidiaSmi.temperatureMemory, byUuid, (gpu) => gpu.memoryTemperatureCelsius);
  family(nvidiaSmi.clocksCurrentSmHz, byUuid, (gpu) => gpu.smClockMhz * MHZ);
  renderXidCounts(out, readings);
  return out.join("");
}

/**
 * `nvidia_smi_xid_errors_total{uuid,xid}` as the exporter's nvml backend writes it: a child per
 * GPU and Xid code seen, so the family is absent until the first Xid.
 */
function renderXidCounts(out: string[], readings: readonly GpuReading[]): void {
  const lines = readings.flatMap((gpu) =>
    [...gpu.xidCounts].map(
      ([code, count]) => `${nvidiaSmi.xidErrors.name}${labelText({ uuid: exporterUuid(gpu), xid: String(code) })} ${count}\n`,
    ),
  );
  if (lines.length === 0) return;
  out.push(
    `# HELP ${nvidiaSmi.xidErrors.name} ${nvidiaSmi.xidErrors.help}\n# TYPE ${nvidiaSmi.xidErrors.name} ${nvidiaSmi.xidErrors.type}\n`,
    ...lines,
  );
}

// why: the exporter drops nvidia-smi's `GPU-` prefix and lower-cases the rest.
function exporterUuid(gpu: GpuReading): string {
  return gpu.uuid.replace(/^GPU-/i, "").toLowerCase();
}

/**
 * The identity labels, sorted as the Go client writes them; the fixed ones are those of the H200 in
 * /work/shared/reference/gpu-samples (nvidia-smi -q: CUDA 13.0, VBIOS 96.00.A5.00.1A, compute capability 9.0).
 */
function identity(gpu: GpuReading): Record<string, string> {
  return {
    compute_cap: "9.0",
    cuda_version: "13.0",
    driver_model_current: "[N/A]",
    driver_model_pending: "[N/A]",
    driver_version: gpu.driverVersion,
    index: String(gpu.index),
    name: gpu.name,
    pci_bus_id: gpu.pciBusId,
    pci_sub_device_id: "0x18BF10DE",
    serial: `165372402636${gpu.index}`,
    uuid: exporterUuid(gpu),
    vbios_version: "96.00.A5.00.1A",
  };
}

function labelText(labels: Record<string, string>): string {
  return `{${Object.entries(labels)
    .map(([name, value]) => `${name}="${value}"`)
    .join(",")}}`;
}

/** A number the way Go's client writes it (`strconv` 'g', shortest): 7.06740224e+08, 0.42, 34. */
function goFloat(value: number): string {
  if (!Number.isFinite(value) || value === 0) return String(value);
  const [mantissa, exponentText] = value.toExponential().split("e") as [string, string];
  const exponent = Number(exponentText);
  if (exponent >= -4 && exponent < 6) return String(value);
  return `${mantissa}e${exponent < 0 ? "-" : "+"}${String(Math.abs(exponent)).padStart(2, "0")}`;
}
