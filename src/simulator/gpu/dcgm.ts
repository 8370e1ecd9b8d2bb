import { dcgm, type MetricFamily } from "../../catalog/index.js";
import type { GpuFieldSet, GpuReading } from "./reading.js";

export interface DcgmHost {
  readonly hostname: string;
  /** `hostname` since dcgm-exporter PR #655, `Hostname` before. */
  readonly hostnameLabel: "hostname" | "Hostname";
}

/**
 * The GPUs as dcgm-exporter's page shows them: MiB, MHz, whole percent, one host label. With the
 * `defaults` field set, what the GPU Operator's pages of real L40S, L4, T4 and RTX 4000 Ada GPUs
 * show (test/fixtures/real/dcgm): the default counters plus five profiling fields (engine, tensor
 * and DRAM activity, PCIe bytes per second), but no power limit, violation counters or NVLink.
 */
export function renderDcgm(readings: readonly GpuReading[], host: DcgmHost, fieldSet: GpuFieldSet = "all"): string {
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
  family(dcgm.pcieReplayCounter, (gpu) => integer(gpu.pcieReplays));
  family(dcgm.gpuUtil, (gpu) => integer(gpu.utilizationPercent));
  family(dcgm.memCopyUtil, (gpu) => integer(gpu.memoryUtilizationPercent));
  // why: dcgm-exporter 3.3+ labels the last Xid with its code and name, so each new code is a new series (the real RTX 4000 Ada page: err_code="0",err_msg="No Error").
  out.push(`# HELP ${dcgm.xidErrors.name} ${dcgm.xidErrors.help}\n# TYPE ${dcgm.xidErrors.name} ${dcgm.xidErrors.type}\n`);
  readings.forEach((gpu) =>
    out.push(
      `${dcgm.xidErrors.name}${labelText(gpu, host, { err_code: String(gpu.xid), err_msg: xidName(gpu.xid) })} ${integer(gpu.xid)}\n`,
    ),
  );
  family(dcgm.fbFree, (gpu) => integer(gpu.memoryFreeMib));
  family(dcgm.fbUsed, (gpu) => integer(gpu.memoryUsedMib));
  family(dcgm.fbReserved, (gpu) => integer(gpu.memoryReservedMib));
  family(dcgm.uncorrectableRemappedRows, (gpu) => integer(gpu.uncorrectableRemappedRows));
  family(dcgm.correctableRemappedRows, (gpu) => integer(gpu.correctableRemappedRows));
  family(dcgm.rowRemapFailure, (gpu) => (gpu.rowRemapFailure ? "1" : "0"));
  family(dcgm.grEngineActive, (gpu) => float(gpu.busy * 0.97));
  family(dcgm.tensorActive, (gpu) => float(gpu.intensity * 0.6));
  family(dcgm.dramActive, (gpu) => float(gpu.busy * 0.45));
  family(dcgm.pcieTxBytes, (gpu) => integer(gpu.pcieTxBytesPerSecond));
  family(dcgm.pcieRxBytes, (gpu) => integer(gpu.pcieRxBytesPerSecond));
  if (fieldSet === "defaults") return out.join("");
  family(dcgm.powerManagementLimit, (gpu) => float(gpu.powerLimitWatts));
  family(dcgm.powerViolation, (gpu) => integer(gpu.powerViolationNanos));
  family(dcgm.thermalViolation, (gpu) => integer(gpu.thermalViolationNanos));
  family(dcgm.nvlinkTxBytes, (gpu) => integer(gpu.nvlinkTxBytesPerSecond));
  family(dcgm.nvlinkRxBytes, (gpu) => integer(gpu.nvlinkRxBytesPerSecond));
  return out.join("");
}

/** Xid names as NVIDIA's Xid catalog gives them, for the codes the simulator's faults and the alert tiers use. */
const XID_NAMES: Readonly<Record<number, string>> = {
  0: "No Error",
  13: "Graphics Engine Exception",
  31: "GPU memory page fault",
  43: "GPU stopped processing",
  45: "Preemptive cleanup",
  48: "Double Bit ECC Error",
  62: "Internal micro-controller halt",
  63: "ECC page retirement or row remapping recording event",
  64: "ECC page retirement or row remapper recording failure",
  74: "NVLink Error",
  79: "GPU has fallen off the bus",
  92: "High single-bit ECC error rate",
  94: "Contained ECC error",
  95: "Uncontained ECC error",
  119: "GSP RPC Timeout",
  120: "GSP Error",
};

function xidName(code: number): string {
  return XID_NAMES[code] ?? "Unknown Error";
}

function labelText(gpu: GpuReading, host: DcgmHost, extra: Readonly<Record<string, string>> = {}): string {
  // why: dcgm-exporter writes labels in this order, not sorted.
  const values: Record<string, string> = {
    gpu: String(gpu.index),
    UUID: gpu.uuid,
    pci_bus_id: gpu.pciBusId,
    device: `nvidia${gpu.index}`,
    modelName: gpu.name,
    [host.hostnameLabel]: host.hostname,
    ...extra,
  };
  return `{${Object.entries(values)
    .map(([name, value]) => `${name}="${value}"`)
    .join(",")}}`;
}
