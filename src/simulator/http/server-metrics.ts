import { readdirSync, readFileSync } from "node:fs";
import { httpServer, processCollector, pythonRuntime } from "../../catalog/index.js";
import { Family } from "./exposition.js";

/**
 * The families a vLLM API server has besides `vllm:`: prometheus-fastapi-instrumentator's
 * `http_*` and prometheus_client's `python_*` and `process_*` collectors.
 */

/** Handlers the instrumentator leaves out (vllm-metrics.md §1.8). */
const EXCLUDED_HANDLERS = new Set(["/metrics", "/health", "/load", "/ping", "/version", "/server_info"]);

export class HttpMetrics {
  private readonly requests: Family;
  private readonly requestSize: Family;
  private readonly responseSize: Family;
  private readonly durationHighr: Family;
  private readonly duration: Family;
  private readonly createdAt: number;

  constructor(writeCreated: boolean, createdAt: number) {
    this.createdAt = createdAt;
    this.requests = new Family(httpServer.requests, writeCreated);
    this.requestSize = new Family(httpServer.requestSizeBytes, writeCreated);
    this.responseSize = new Family(httpServer.responseSizeBytes, writeCreated);
    this.durationHighr = new Family(httpServer.requestDurationHighr, writeCreated);
    this.duration = new Family(httpServer.requestDuration, writeCreated);
    // why: the unlabelled histogram has its single child from the start.
    this.durationHighr.child([], createdAt);
  }

  /** Records one finished HTTP request; `handler` is the route template, or "none" when unmatched. */
  record(handler: string, method: string, status: number, requestBytes: number, responseBytes: number, seconds: number, now: number): void {
    if (EXCLUDED_HANDLERS.has(handler)) return;
    const created = Math.max(this.createdAt, now);
    this.requests.child([handler, method, `${Math.floor(status / 100)}xx`], created).value += 1;
    this.requestSize.observeSummary(this.requestSize.child([handler], created), requestBytes);
    this.responseSize.observeSummary(this.responseSize.child([handler], created), responseBytes);
    this.durationHighr.observe(this.durationHighr.child([], created), seconds);
    this.duration.observe(this.duration.child([handler, method], created), seconds);
  }

  render(out: string[]): void {
    for (const family of [this.requests, this.requestSize, this.responseSize, this.durationHighr, this.duration]) family.render(out);
  }
}

interface ProcessReading {
  readonly at: number;
  readonly virtualBytes: number;
  readonly openFds: number;
  readonly residentBytes: number;
}

/**
 * prometheus_client's process and platform collectors, with this Node process's real numbers
 * (CPU, memory, descriptors) and the CPython identity a vLLM server reports. /proc reads are
 * cached for a second, since 256 simulated servers share one process.
 */
export class ProcessMetrics {
  private reading: ProcessReading | undefined;
  private readonly maxFds: number;
  private readonly startTime: number;

  constructor() {
    this.maxFds = readMaxFds();
    this.startTime = Date.now() / 1000 - process.uptime();
  }

  private current(): ProcessReading {
    const now = Date.now();
    if (this.reading !== undefined && now - this.reading.at < 1_000) return this.reading;
    this.reading = { at: now, virtualBytes: readVirtualBytes(), openFds: countOpenFds(), residentBytes: process.memoryUsage.rss() };
    return this.reading;
  }

  private readonly families = {
    gcCollected: new Family(pythonRuntime.gcObjectsCollected, false),
    gcUncollectable: new Family(pythonRuntime.gcObjectsUncollectable, false),
    gcCollections: new Family(pythonRuntime.gcCollections, false),
    info: new Family(pythonRuntime.info, false),
    virtualMemory: new Family(processCollector.virtualMemoryBytes, false),
    residentMemory: new Family(processCollector.residentMemoryBytes, false),
    startTime: new Family(processCollector.startTimeSeconds, false),
    cpu: new Family(processCollector.cpuSeconds, false),
    openFds: new Family(processCollector.openFds, false),
    maxFds: new Family(processCollector.maxFds, false),
  };

  render(out: string[]): void {
    const reading = this.current();
    const cpu = process.cpuUsage();
    const f = this.families;
    for (const generation of ["0", "1", "2"]) {
      f.gcCollected.child([generation], 0);
      f.gcUncollectable.child([generation], 0);
      f.gcCollections.child([generation], 0);
    }
    f.info.child(["CPython", "3", "12", "11", "3.12.11"], 0).value = 1;
    f.virtualMemory.child([], 0).value = reading.virtualBytes;
    f.residentMemory.child([], 0).value = reading.residentBytes;
    f.startTime.child([], 0).value = this.startTime;
    f.cpu.child([], 0).value = (cpu.user + cpu.system) / 1e6;
    f.openFds.child([], 0).value = reading.openFds;
    f.maxFds.child([], 0).value = this.maxFds;
    for (const family of Object.values(f)) family.render(out);
  }
}

function readVirtualBytes(): number {
  try {
    const stat = readFileSync("/proc/self/stat", "utf8");
    // why: field 23 (vsize) counted after the parenthesised command name, which may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(fields[20] ?? 0);
  } catch {
    return 0;
  }
}

function countOpenFds(): number {
  try {
    return readdirSync("/proc/self/fd").length;
  } catch {
    return 0;
  }
}

function readMaxFds(): number {
  try {
    const match = /^Max open files\s+(\d+)/m.exec(readFileSync("/proc/self/limits", "utf8"));
    return match?.[1] === undefined ? 0 : Number(match[1]);
  } catch {
    return 0;
  }
}
