import { dcgm, nvidiaSmi } from "../../catalog/index.js";
import { AGGREGATES } from "../../promql/aggregates.js";
import { compare } from "../../promql/functions.js";
import { gpuTemperatureCelsius } from "../../promql/gpu.js";
import { gpuMemoryFreeBytes, rowRemapFailure, XID_CRITICAL_CODES, XID_WARNING_CODES, xidNewOfCodes } from "../../promql/gpu-health.js";
import { ruleScope } from "../../promql/scope.js";
import { RECORDING_WINDOW } from "../../promql/signals.js";
import type { Thresholds } from "../config.js";
import type { AlertRule } from "./types.js";

/** The host and GPU an alert names: dcgm-exporter's index, or nvidia_gpu_exporter's uuid. */
const GPU = "GPU {{ $labels.gpu }}{{ $labels.uuid }} on {{ $labels.hostname }}";

/** GPU alerts: heat, memory pressure, hardware errors, and the GPU metrics themselves going missing. */
export function gpuAlerts(thresholds: Thresholds): AlertRule[] {
  const scope = ruleScope(RECORDING_WINDOW);
  return [
    {
      alert: "GpuTemperatureHigh",
      group: "gpu",
      expr: compare(gpuTemperatureCelsius(scope), ">", thresholds.gpuTemperature.celsius),
      for: thresholds.gpuTemperature.for,
      severity: "warning",
      summary: "GPU on {{ $labels.hostname }} is hot",
      description: `${GPU} has been at {{ $value }} °C for ${thresholds.gpuTemperature.for} (threshold ${thresholds.gpuTemperature.celsius} °C).`,
      runbook: {
        meaning: "The GPU runs close to the temperature where it lowers its clocks.",
        impact: "Thermal throttling: slower decode steps, higher inter-token latency; in the worst case hardware faults.",
        diagnose: [
          "Machine overview → GPU temperature beside GPU SM clock and Clock throttling: a clock drop at the same time is throttling.",
          `\`${dcgm.gpuTemp.name}\` per GPU; compare GPUs of the same host (one hot GPU: airflow or fan; all hot: room or rack).`,
        ],
        fix: ["Check fans, airflow and data-centre cooling.", "Lower the power limit (`nvidia-smi -pl`) as a stop-gap."],
      },
    },
    ...gpuMemoryAlert(thresholds),
    {
      alert: "GpuXidError",
      group: "gpu",
      expr: xidNewOfCodes(scope, thresholds.gpuXid.window, XID_CRITICAL_CODES),
      for: thresholds.gpuXid.for,
      severity: "critical",
      summary: "Xid {{ $labels.xid }} on GPU {{ $labels.gpu }}{{ $labels.uuid }} of {{ $labels.hostname }}",
      description: `${GPU} reported critical Xid {{ $labels.xid }} within the last ${thresholds.gpuXid.window} ({{ $value }} new).`,
      runbook: {
        meaning:
          `The NVIDIA driver logged an Xid that NVIDIA's exporter tiers as critical (${XID_CRITICAL_CODES.join(", ")}): the GPU itself failed. ` +
          `dcgm-exporter only keeps the last code (\`${dcgm.xidErrors.name}\`, a gauge), so a new Xid is that gauge changing to one of these codes ` +
          "(or, where the exporter also writes the code as an `err_code` label, a new series with that code); " +
          `the same code twice in a row is only seen in the kernel log. nvidia_gpu_exporter's nvml backend counts every Xid (\`${nvidiaSmi.xidErrors.name}\`), ` +
          "so there a new Xid is the count of its code going up. The codes: 48 double-bit ECC error; 62 internal micro-controller halt; " +
          "64 ECC page retirement or row remapping failure; 74 NVLink error; 79 GPU has fallen off the bus; 95 uncontained ECC error; " +
          "119 GSP RPC timeout; 120 GSP error. Other codes are shown on the Xid panel and page nobody: 13, 31, 43 and 45 come from the " +
          "process (45 follows every killed or restarted vLLM), 94 raises GpuXidWarning.",
        impact: "The GPU gives wrong results or none: vLLM on it crashes or hangs, and it stays broken until the GPU is reset or serviced.",
        diagnose: [
          "Machine overview → Xid errors and Row remapping: which GPU, which code, since when.",
          "`dmesg -T | grep -i xid` on the host: the full message with the process and the PCI address.",
          "`nvidia-smi -q -d ROW_REMAPPER,ECC` for the memory codes (48, 64, 95); `nvidia-smi nvlink -s` for 74.",
        ],
        fix: [
          "48, 64, 95: drain the host, reset the GPU (`nvidia-smi -r` or reboot); if it recurs or a row remap failed, open an RMA case.",
          "62, 79, 119, 120: drain the host and reboot it (a GPU off the bus or a hung GSP does not come back with `nvidia-smi -r`); update the driver or firmware if it recurs.",
          "74: check the NVLink bridge or baseboard; reset the GPU; open a hardware case if it recurs.",
        ],
      },
    },
    {
      alert: "GpuXidWarning",
      group: "gpu",
      expr: xidNewOfCodes(scope, thresholds.gpuXid.window, XID_WARNING_CODES),
      for: thresholds.gpuXid.for,
      severity: "warning",
      summary: "Xid {{ $labels.xid }} on GPU {{ $labels.gpu }}{{ $labels.uuid }} of {{ $labels.hostname }}",
      description: `${GPU} reported Xid {{ $labels.xid }} within the last ${thresholds.gpuXid.window} ({{ $value }} new).`,
      runbook: {
        meaning:
          `Xid ${XID_WARNING_CODES.join(", ")}: a contained ECC error. The driver stopped the application whose memory was hit; the GPU itself goes on. ` +
          `Seen the same way as GpuXidError (a change of \`${dcgm.xidErrors.name}\` or an increase of \`${nvidiaSmi.xidErrors.name}\`).`,
        impact: "The vLLM process on that GPU was killed or failed its requests; the GPU needs a reset to retire the bad memory page.",
        diagnose: ["Machine overview → Xid errors and Row remapping.", "`nvidia-smi -q -d ROW_REMAPPER,ECC` on the host: pending remaps."],
        fix: [
          "Restart the vLLM instance; reset the GPU at the next drain so the row is remapped.",
          "If it repeats on the same GPU, treat it as GpuXidError.",
        ],
      },
    },
    {
      alert: "GpuRowRemapFailure",
      group: "gpu",
      expr: compare(rowRemapFailure(scope), "==", 1),
      for: thresholds.gpuRowRemap.for,
      severity: "critical",
      summary: "GPU {{ $labels.gpu }} of {{ $labels.hostname }} failed to remap a memory row",
      description: `${GPU} could not remap a row after an uncorrectable memory error (row remap failure = {{ $value }}).`,
      runbook: {
        meaning:
          "An uncorrectable ECC error hit a memory row and the GPU had no spare row left to remap it to " +
          `(\`${dcgm.rowRemapFailure.name}\` = 1; \`${dcgm.uncorrectableRemappedRows.name}\` counts the rows remapped before).`,
        impact: "The memory of this GPU is no longer reliable: results may be corrupt and the GPU will raise Xid 48/63/64 again.",
        diagnose: [
          "Machine overview → Row remapping and Xid errors.",
          "`nvidia-smi -q -d ROW_REMAPPER` on the host: pending remaps, the remap histogram.",
        ],
        fix: [
          "Drain the host and take the GPU out of service.",
          "Open an RMA case with the GPU's serial number; a reset does not bring spare rows back.",
        ],
      },
    },
    {
      alert: "GpuMetricsExporterVanished",
      group: "gpu",
      // why: the GPUs of this host reported within the window but not now, while vLLM still generates tokens somewhere.
      expr:
        `(max_over_time(${AGGREGATES.gpus}[${thresholds.gpuExporterVanished.window}]) unless ${AGGREGATES.gpus}) ` +
        `and on () (sum(${AGGREGATES.generationTokens}) > 0)`,
      for: thresholds.gpuExporterVanished.for,
      severity: "warning",
      summary: "GPU metrics of {{ $labels.hostname }} stopped while vLLM serves",
      description: `{{ $value }} GPUs of {{ $labels.hostname }} (job {{ $labels.job }}) reported within the last ${thresholds.gpuExporterVanished.window} but report nothing now, while vLLM keeps generating tokens.`,
      runbook: {
        meaning:
          "The GPU exporter of this host stopped delivering GPU series: it was removed from service discovery, lost its GPUs " +
          "(DCGM host engine restarted, driver reloaded) or its target is down. vLLM still serves, so the GPUs are probably busy, unwatched.",
        impact: "GPU panels go blank for this host and no GPU alert (temperature, Xid, row remapping) can fire for it.",
        diagnose: [
          "Machine overview → Targets up: is the exporter's target listed, and at 0 (then ScrapeTargetDown fires too)?",
          "`curl -s http://HOST:9400/metrics | grep -c DCGM_FI_DEV_GPU_TEMP` (or `:9835` and `nvidia_smi_temperature_gpu`): 0 with a 200 means the exporter runs but sees no GPU.",
          "`journalctl -u nvidia-dcgm` or the exporter's container log.",
        ],
        fix: [
          "Restart the exporter (and nv-hostengine for dcgm-exporter); check that it runs with the GPUs visible (`--gpus all`, `SYS_ADMIN`).",
          "If the host was retired on purpose, the alert resolves by itself once the window has passed.",
        ],
      },
    },
  ];
}

/**
 * Low free framebuffer memory, only when ALERT_GPU_FREE_MEMORY_GIB is set.
 * why: vLLM reserves --gpu-memory-utilization of each GPU at start, so a fixed default fired on healthy servers.
 */
function gpuMemoryAlert(thresholds: Thresholds): AlertRule[] {
  const freeBytes = thresholds.gpuMemory.freeBytes;
  if (freeBytes === undefined) return [];
  const scope = ruleScope(RECORDING_WINDOW);
  const freeGiB = Math.round((freeBytes / 1024 ** 3) * 1000) / 1000;
  return [
    {
      alert: "GpuMemoryNearFull",
      group: "gpu",
      expr: compare(gpuMemoryFreeBytes(scope), "<", freeBytes),
      for: thresholds.gpuMemory.for,
      severity: "warning",
      summary: "GPU memory on {{ $labels.hostname }} nearly exhausted",
      description: `${GPU} has only {{ $value | humanize1024 }}B of framebuffer memory free, under ${freeGiB} GiB for ${thresholds.gpuMemory.for}.`,
      runbook: {
        meaning:
          `Less than ${freeGiB} GiB of the GPU's memory is free (ALERT_GPU_FREE_MEMORY_GIB; without it this alert is off). A used share says nothing: ` +
          "vLLM reserves `--gpu-memory-utilization` (0.9 by default) of every GPU when it starts and fills that pool with KV-cache blocks, " +
          "so 90 % used is the normal state of a healthy server. Pressure inside vLLM's pool shows as a full KV cache and preemptions " +
          "(VllmKvCacheNearFull, VllmPreemptionsSustained). What is left to watch on the GPU is the memory outside that pool: " +
          "the free framebuffer that CUDA graphs, activations of a batch, a second process or a second model draw from.",
        impact:
          "CUDA out-of-memory errors: vLLM fails requests or crashes when it captures graphs or grows a batch; other processes on the GPU fail to start.",
        diagnose: [
          "Machine overview → GPU memory headroom (free bytes, the line is this alert) and GPU memory used.",
          "`nvidia-smi` on the host: which processes hold memory besides vLLM (a second vLLM, a notebook, a training job).",
          "The vLLM start command: a `--gpu-memory-utilization` close to 1 leaves no headroom by design.",
        ],
        fix: [
          "Lower `--gpu-memory-utilization` (each 0.01 gives back 1 % of the GPU).",
          "Move other GPU processes off this GPU, or give each vLLM its own GPUs (`CUDA_VISIBLE_DEVICES`).",
        ],
      },
    },
  ];
}
