import { HTTP_DURATION_BUCKETS, HTTP_HIGHR_BUCKETS } from "./buckets.js";
import type { MetricFamily } from "./types.js";

/**
 * dcgm-exporter labels. `Hostname` became `hostname` in dcgm-exporter PR #655; dashboards accept both.
 */
export const DCGM_LABELS = ["gpu", "UUID", "pci_bus_id", "device", "modelName", "hostname"] as const;

function dcgmGauge(name: string, help: string, unit: string): MetricFamily {
  return { name, type: "gauge", help, labels: [...DCGM_LABELS], unit };
}

function dcgmCounter(name: string, help: string, unit: string): MetricFamily {
  return { name, type: "counter", help, labels: [...DCGM_LABELS], unit };
}

/** dcgm-exporter default counters the dashboards and the simulator use (exporters.md G1). */
export const dcgm = {
  gpuUtil: dcgmGauge("DCGM_FI_DEV_GPU_UTIL", "GPU utilization (in %).", "percent"),
  memCopyUtil: dcgmGauge("DCGM_FI_DEV_MEM_COPY_UTIL", "Memory utilization (in %).", "percent"),
  fbUsed: dcgmGauge("DCGM_FI_DEV_FB_USED", "Framebuffer memory used (in MiB).", "MiB"),
  fbFree: dcgmGauge("DCGM_FI_DEV_FB_FREE", "Framebuffer memory free (in MiB).", "MiB"),
  fbReserved: dcgmGauge("DCGM_FI_DEV_FB_RESERVED", "Framebuffer memory reserved (in MiB).", "MiB"),
  powerUsage: dcgmGauge("DCGM_FI_DEV_POWER_USAGE", "Power draw (in W).", "watts"),
  totalEnergyConsumption: {
    name: "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION",
    type: "counter",
    help: "Total energy consumption since boot (in mJ).",
    labels: [...DCGM_LABELS],
    unit: "millijoules",
  } satisfies MetricFamily,
  gpuTemp: dcgmGauge("DCGM_FI_DEV_GPU_TEMP", "GPU temperature (in C).", "celsius"),
  memoryTemp: dcgmGauge("DCGM_FI_DEV_MEMORY_TEMP", "Memory temperature (in C).", "celsius"),
  smClock: dcgmGauge("DCGM_FI_DEV_SM_CLOCK", "SM clock frequency (in MHz).", "MHz"),
  memClock: dcgmGauge("DCGM_FI_DEV_MEM_CLOCK", "Memory clock frequency (in MHz).", "MHz"),
  grEngineActive: dcgmGauge("DCGM_FI_PROF_GR_ENGINE_ACTIVE", "Ratio of time the graphics engine is active.", "ratio"),
  tensorActive: dcgmGauge("DCGM_FI_PROF_PIPE_TENSOR_ACTIVE", "Ratio of cycles the tensor (HMMA) pipe is active.", "ratio"),
  dramActive: dcgmGauge(
    "DCGM_FI_PROF_DRAM_ACTIVE",
    "Ratio of cycles the device memory interface is active sending or receiving data.",
    "ratio",
  ),
  // Health fields of the default counters (exporters.md G1).
  xidErrors: dcgmGauge("DCGM_FI_DEV_XID_ERRORS", "Value of the last XID error encountered.", "none"),
  pcieReplayCounter: dcgmCounter("DCGM_FI_DEV_PCIE_REPLAY_COUNTER", "Total number of PCIe retries.", "retries"),
  uncorrectableRemappedRows: dcgmCounter(
    "DCGM_FI_DEV_UNCORRECTABLE_REMAPPED_ROWS",
    "Number of remapped rows for uncorrectable errors",
    "rows",
  ),
  correctableRemappedRows: dcgmCounter("DCGM_FI_DEV_CORRECTABLE_REMAPPED_ROWS", "Number of remapped rows for correctable errors", "rows"),
  rowRemapFailure: dcgmGauge("DCGM_FI_DEV_ROW_REMAP_FAILURE", "Whether remapping of rows has failed", "none"),
  // Optional fields: listed (commented out or absent) in dcgm-exporter's default CSV; add them to its collectors.
  powerManagementLimit: dcgmGauge("DCGM_FI_DEV_POWER_MGMT_LIMIT", "Power management limit (in W).", "watts"),
  // why: NVML's violationTime and DCGM's dcgm_fields.h count nanoseconds; dcgm-exporter's CSV said "us" until late 2025.
  powerViolation: dcgmCounter("DCGM_FI_DEV_POWER_VIOLATION", "Throttling duration due to power constraints (in ns).", "nanoseconds"),
  thermalViolation: dcgmCounter("DCGM_FI_DEV_THERMAL_VIOLATION", "Throttling duration due to thermal constraints (in ns).", "nanoseconds"),
  // Profiling (DCP) throughput, bytes per second; datacenter GPUs only, like the ratios above.
  pcieTxBytes: dcgmGauge(
    "DCGM_FI_PROF_PCIE_TX_BYTES",
    "The rate of data transmitted over the PCIe bus - including both protocol headers and data payloads - in bytes per second.",
    "bytes/s",
  ),
  pcieRxBytes: dcgmGauge(
    "DCGM_FI_PROF_PCIE_RX_BYTES",
    "The rate of data received over the PCIe bus - including both protocol headers and data payloads - in bytes per second.",
    "bytes/s",
  ),
  nvlinkTxBytes: dcgmGauge(
    "DCGM_FI_PROF_NVLINK_TX_BYTES",
    "The rate of data transmitted over NVLink, not including protocol headers, in bytes per second.",
    "bytes/s",
  ),
  nvlinkRxBytes: dcgmGauge(
    "DCGM_FI_PROF_NVLINK_RX_BYTES",
    "The rate of data received over NVLink, not including protocol headers, in bytes per second.",
    "bytes/s",
  ),
  // why: NVML's PCIe throughput is a KB/s reading over a 20 ms window, not a byte total, and DCGM 2.x+
  // answers it as not supported; no panel reads it (PCIe comes from the PROF_*_BYTES gauges above).
  pcieTxThroughput: dcgmGauge("DCGM_FI_DEV_PCIE_TX_THROUGHPUT", "PCIe TX throughput (in KB/s) via NVML.", "kilobytes/s"),
  pcieRxThroughput: dcgmGauge("DCGM_FI_DEV_PCIE_RX_THROUGHPUT", "PCIe RX throughput (in KB/s) via NVML.", "kilobytes/s"),
} as const;

/** utkuozdemir/nvidia_gpu_exporter (nvidia-smi based), label `uuid` (exporters.md G2). */
export const nvidiaSmi = {
  utilizationGpuRatio: {
    name: "nvidia_smi_utilization_gpu_ratio",
    type: "gauge",
    help: "utilization.gpu [%]",
    labels: ["uuid"],
    unit: "ratio",
  },
  utilizationMemoryRatio: {
    name: "nvidia_smi_utilization_memory_ratio",
    type: "gauge",
    help: "utilization.memory [%]",
    labels: ["uuid"],
    unit: "ratio",
  },
  memoryUsedBytes: { name: "nvidia_smi_memory_used_bytes", type: "gauge", help: "memory.used [MiB]", labels: ["uuid"], unit: "bytes" },
  memoryFreeBytes: { name: "nvidia_smi_memory_free_bytes", type: "gauge", help: "memory.free [MiB]", labels: ["uuid"], unit: "bytes" },
  memoryTotalBytes: { name: "nvidia_smi_memory_total_bytes", type: "gauge", help: "memory.total [MiB]", labels: ["uuid"], unit: "bytes" },
  powerDrawWatts: { name: "nvidia_smi_power_draw_watts", type: "gauge", help: "power.draw [W]", labels: ["uuid"], unit: "watts" },
  powerLimitWatts: { name: "nvidia_smi_power_limit_watts", type: "gauge", help: "power.limit [W]", labels: ["uuid"], unit: "watts" },
  temperatureGpu: { name: "nvidia_smi_temperature_gpu", type: "gauge", help: "temperature.gpu", labels: ["uuid"], unit: "celsius" },
  clocksCurrentSmHz: {
    name: "nvidia_smi_clocks_current_sm_clock_hz",
    type: "gauge",
    help: "clocks.current.sm [MHz]",
    labels: ["uuid"],
    unit: "hertz",
  },
  temperatureMemory: {
    name: "nvidia_smi_temperature_memory",
    type: "gauge",
    help: "temperature.memory",
    labels: ["uuid"],
    unit: "celsius",
  },
  /** Only with the exporter's `nvml` backend; a child appears with the first Xid of a GPU. */
  xidErrors: {
    name: "nvidia_smi_xid_errors_total",
    type: "counter",
    help: "Total number of XID errors.",
    labels: ["uuid", "xid"],
    unit: "errors",
  },
  gpuInfo: {
    name: "nvidia_smi_gpu_info",
    type: "gauge",
    help: "A metric with a constant '1' value labeled by gpu uuid, name, driver_model_current, driver_model_pending, vbios_version, driver_version, pci_bus_id, serial, compute_cap, pci_sub_device_id, index, cuda_version.",
    // why: the label set of a real nvidia_gpu_exporter page (test/fixtures/real/nvidia-smi), in the order the Go client sorts them.
    labels: [
      "compute_cap",
      "cuda_version",
      "driver_model_current",
      "driver_model_pending",
      "driver_version",
      "index",
      "name",
      "pci_bus_id",
      "pci_sub_device_id",
      "serial",
      "uuid",
      "vbios_version",
    ],
    unit: "none",
  },
} as const satisfies Record<string, MetricFamily>;

/** node_exporter families the Machine overview uses (exporters.md G3). */
export const node = {
  cpuSeconds: {
    name: "node_cpu_seconds_total",
    type: "counter",
    help: "Seconds the CPUs spent in each mode.",
    labels: ["cpu", "mode"],
    unit: "seconds",
  },
  load1: { name: "node_load1", type: "gauge", help: "1m load average.", labels: [], unit: "none" },
  load5: { name: "node_load5", type: "gauge", help: "5m load average.", labels: [], unit: "none" },
  load15: { name: "node_load15", type: "gauge", help: "15m load average.", labels: [], unit: "none" },
  memoryTotalBytes: {
    name: "node_memory_MemTotal_bytes",
    type: "gauge",
    help: "Memory information field MemTotal_bytes.",
    labels: [],
    unit: "bytes",
  },
  memoryAvailableBytes: {
    name: "node_memory_MemAvailable_bytes",
    type: "gauge",
    help: "Memory information field MemAvailable_bytes.",
    labels: [],
    unit: "bytes",
  },
  filesystemAvailBytes: {
    name: "node_filesystem_avail_bytes",
    type: "gauge",
    help: "Filesystem space available to non-root users in bytes.",
    labels: ["device", "fstype", "mountpoint"],
    unit: "bytes",
  },
  filesystemSizeBytes: {
    name: "node_filesystem_size_bytes",
    type: "gauge",
    help: "Filesystem size in bytes.",
    labels: ["device", "fstype", "mountpoint"],
    unit: "bytes",
  },
  diskReadBytes: {
    name: "node_disk_read_bytes_total",
    type: "counter",
    help: "The total number of bytes read successfully.",
    labels: ["device"],
    unit: "bytes",
  },
  diskWrittenBytes: {
    name: "node_disk_written_bytes_total",
    type: "counter",
    help: "The total number of bytes written successfully.",
    labels: ["device"],
    unit: "bytes",
  },
  networkReceiveBytes: {
    name: "node_network_receive_bytes_total",
    type: "counter",
    help: "Network device statistic receive_bytes.",
    labels: ["device"],
    unit: "bytes",
  },
  networkTransmitBytes: {
    name: "node_network_transmit_bytes_total",
    type: "counter",
    help: "Network device statistic transmit_bytes.",
    labels: ["device"],
    unit: "bytes",
  },
  bootTimeSeconds: { name: "node_boot_time_seconds", type: "gauge", help: "Node boot time, in unixtime.", labels: [], unit: "seconds" },
  timeSeconds: {
    name: "node_time_seconds",
    type: "gauge",
    help: "System time in seconds since epoch (1970).",
    labels: [],
    unit: "seconds",
  },
  unameInfo: {
    name: "node_uname_info",
    type: "gauge",
    help: "Labeled system information as provided by the uname system call.",
    labels: ["domainname", "machine", "nodename", "release", "sysname", "version"],
    unit: "none",
  },
} as const satisfies Record<string, MetricFamily>;

/** What a vLLM OpenAI server's FastAPI instrumentator and prometheus_client add (vllm-metrics.md §1.8, §2e). */
export const httpServer = {
  requests: {
    name: "http_requests_total",
    type: "counter",
    help: "Total number of requests by method, status and handler.",
    labels: ["handler", "method", "status"],
    unit: "requests",
  },
  requestSizeBytes: {
    name: "http_request_size_bytes",
    type: "summary",
    help: "Content length of incoming requests by handler. Only value of header is respected. Otherwise ignored. No percentile calculated. ",
    labels: ["handler"],
    unit: "bytes",
  },
  responseSizeBytes: {
    name: "http_response_size_bytes",
    type: "summary",
    help: "Content length of outgoing responses by handler. Only value of header is respected. Otherwise ignored. No percentile calculated. ",
    labels: ["handler"],
    unit: "bytes",
  },
  requestDurationHighr: {
    name: "http_request_duration_highr_seconds",
    type: "histogram",
    help: "Latency with many buckets but no API specific labels. Made for more accurate percentile calculations. ",
    labels: [],
    buckets: HTTP_HIGHR_BUCKETS,
    unit: "seconds",
  },
  requestDuration: {
    name: "http_request_duration_seconds",
    type: "histogram",
    help: "Latency with only few buckets by handler. Made to be only used if aggregation by handler is important. ",
    labels: ["handler", "method"],
    buckets: HTTP_DURATION_BUCKETS,
    unit: "seconds",
  },
} as const satisfies Record<string, MetricFamily>;

/** prometheus_client's process collector (single-process mode only). */
export const processCollector = {
  cpuSeconds: {
    name: "process_cpu_seconds_total",
    type: "counter",
    help: "Total user and system CPU time spent in seconds.",
    labels: [],
    unit: "seconds",
  },
  residentMemoryBytes: {
    name: "process_resident_memory_bytes",
    type: "gauge",
    help: "Resident memory size in bytes.",
    labels: [],
    unit: "bytes",
  },
  virtualMemoryBytes: {
    name: "process_virtual_memory_bytes",
    type: "gauge",
    help: "Virtual memory size in bytes.",
    labels: [],
    unit: "bytes",
  },
  startTimeSeconds: {
    name: "process_start_time_seconds",
    type: "gauge",
    help: "Start time of the process since unix epoch in seconds.",
    labels: [],
    unit: "seconds",
  },
  openFds: { name: "process_open_fds", type: "gauge", help: "Number of open file descriptors.", labels: [], unit: "none" },
  maxFds: { name: "process_max_fds", type: "gauge", help: "Maximum number of open file descriptors.", labels: [], unit: "none" },
} as const satisfies Record<string, MetricFamily>;

/** Series Prometheus itself attaches to every scrape, and the one it writes for alerts. */
export const scrape = {
  /** One series per pending or firing alert, with the alert's labels (Prometheus' rule manager). */
  alerts: {
    name: "ALERTS",
    type: "gauge",
    help: "Pending and firing alerts.",
    labels: ["alertname", "alertstate", "severity"],
    unit: "none",
  },
  up: {
    name: "up",
    type: "gauge",
    help: "1 if the last scrape of the target succeeded, 0 otherwise.",
    labels: ["job", "instance"],
    unit: "none",
  },
  scrapeDurationSeconds: {
    name: "scrape_duration_seconds",
    type: "gauge",
    help: "Duration of the last scrape of the target.",
    labels: ["job", "instance"],
    unit: "seconds",
  },
  scrapeSamplesScraped: {
    name: "scrape_samples_scraped",
    type: "gauge",
    help: "Number of samples the target exposed.",
    labels: ["job", "instance"],
    unit: "none",
  },
} as const satisfies Record<string, MetricFamily>;

/** What Prometheus and Alertmanager say about themselves (their own /metrics), for the pipeline's self-monitoring alerts. */
export const pipeline = {
  ruleEvaluationFailures: {
    name: "prometheus_rule_evaluation_failures_total",
    type: "counter",
    help: "The total number of rule evaluation failures.",
    labels: ["rule_group"],
    unit: "none",
  },
  configLastReloadSuccessful: {
    name: "prometheus_config_last_reload_successful",
    type: "gauge",
    help: "Whether the last configuration reload attempt was successful.",
    labels: [],
    unit: "none",
  },
  remoteWriteSamplesFailed: {
    name: "prometheus_remote_storage_samples_failed_total",
    type: "counter",
    help: "Total number of samples which failed on send to remote storage, non-recoverable errors.",
    labels: ["remote_name", "url"],
    unit: "none",
  },
  remoteWriteHighestTimestamp: {
    name: "prometheus_remote_storage_highest_timestamp_in_seconds",
    type: "gauge",
    help: "Highest timestamp that has come into the remote storage via the Appender interface, in seconds since epoch.",
    labels: [],
    unit: "seconds",
  },
  remoteWriteHighestSentTimestamp: {
    name: "prometheus_remote_storage_queue_highest_sent_timestamp_seconds",
    type: "gauge",
    help: "Timestamp from a WAL sample, the highest timestamp successfully sent by this queue, in seconds since epoch.",
    labels: ["remote_name", "url"],
    unit: "seconds",
  },
  alertmanagerNotificationsFailed: {
    name: "alertmanager_notifications_failed_total",
    type: "counter",
    help: "The total number of failed notifications.",
    labels: ["integration"],
    unit: "none",
  },
} as const satisfies Record<string, MetricFamily>;
