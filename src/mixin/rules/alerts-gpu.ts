import { dcgm, nvidiaSmi } from "../../catalog/index.js";
import { AGGREGATES } from "../../promql/aggregates.js";
import { compare } from "../../promql/functions.js";
import { gpuTemperatureCelsius } from "../../promql/gpu.js";
import { gpuMemoryFreeBytes, rowRemapFailure, xidNew } from "../../promql/gpu-health.js";
import { ruleScope } from "../../promql/scope.js";
import { RECORDING_WINDOW } from "../../promql/signals.js";
import type { Thresholds } from "../config.js";
import type { AlertRule } from "./types.js";

/** The host and GPU an alert names: dcgm-exporter's index, or nvidia_gpu_exporter's uuid. */
const GPU = "GPU {{ $labels.gpu }}{{ $labels.uuid }} on {{ $labels.hostname }}";

/** GPU alerts: heat, memory pressure, hardware errors, and the GPU metrics themselves going missing. */
export function gpuAlerts(thresholds: Thresholds): AlertRule[] {
  const scope = ruleScope(RECORDING_WINDOW);
  const freeGiB = thresholds.gpuMemory.freeBytes / 1024 ** 3;
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
    {
      alert: "GpuMemoryNearFull",
      group: "gpu",
      expr: compare(gpuMemoryFreeBytes(scope), "<", thresholds.gpuMemory.freeBytes),
      for: thresholds.gpuMemory.for,
      severity: "warning",
      summary: "GPU memory on {{ $labels.hostname }} nearly exhausted",
      description: `${GPU} has only {{ $value | humanize1024 }}B of framebuffer memory free, under ${freeGiB} GiB for ${thresholds.gpuMemory.for}.`,
      runbook: {
        meaning:
          `Less than ${freeGiB} GiB of the GPU's memory is free. This alert used to fire on a used share above 97 %, which says nothing: ` +
          "vLLM reserves `--gpu-memory-utilization` (0.9 by default) of every GPU when it starts and fills that pool with KV-cache blocks, " +
          "so 90 % used is the normal state of a healthy server. Pressure inside vLLM's pool shows as a full KV cache and preemptions " +
          "(VllmKvCacheNearFull, VllmPreemptionsSustained). What is left to watch on the GPU is the memory outside that pool: " +
          "the free framebuffer that CUDA graphs, activations of a batch, a second process or a second model draw from.",
        impact: "CUDA out-of-memory errors: vLLM fails requests or crashes when it captures graphs or grows a batch; other processes on the GPU fail to start.",
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
    {
      alert: "GpuXidError",
      group: "gpu",
      expr: xidNew(scope, thresholds.gpuXid.window),
      for: thresholds.gpuXid.for,
      severity: "critical",
      summary: "Xid {{ $labels.xid }} on GPU {{ $labels.gpu }}{{ $labels.uuid }} of {{ $labels.hostname }}",
      description: `${GPU} reported Xid {{ $labels.xid }} within the last ${thresholds.gpuXid.window} ({{ $value }} new).`,
      runbook: {
        meaning:
          "The NVIDIA driver logged an Xid: a GPU error it detected. dcgm-exporter only keeps the last code " +
          `(\`${dcgm.xidErrors.name}\`), so a new Xid is that gauge changing to a non-zero code; the same code twice in a row is only seen in the kernel log. ` +
          `nvidia_gpu_exporter's nvml backend counts every Xid (\`${nvidiaSmi.xidErrors.name}\`).`,
        impact:
          "Depends on the code: 13, 31 and 43 usually kill the process that ran the kernel (vLLM crashes or fails requests); " +
          "48, 63, 64, 74, 79, 92, 94, 95 point at memory, NVLink or a GPU that fell off the bus and needs a reset or service.",
        diagnose: [
          "Machine overview → Xid errors and Row remapping: which GPU, which code, since when.",
          "`dmesg -T | grep -i xid` on the host: the full message with the process and the PCI address.",
          "NVIDIA's Xid catalogue for the code; `nvidia-smi -q -d ROW_REMAPPER,ECC` for memory errors.",
        ],
        fix: [
          "Application codes (13, 31, 43): restart the vLLM instance; if it repeats, suspect the model, the driver or CUDA versions.",
          "Hardware codes (48, 74, 79, 92, 94, 95): drain the host, reset the GPU (`nvidia-smi -r` or reboot) and open a hardware case if it recurs.",
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
        diagnose: ["Machine overview → Row remapping and Xid errors.", "`nvidia-smi -q -d ROW_REMAPPER` on the host: pending remaps, the remap histogram."],
        fix: ["Drain the host and take the GPU out of service.", "Open an RMA case with the GPU's serial number; a reset does not bring spare rows back."],
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
