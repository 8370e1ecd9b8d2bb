/** The lines `top` shows: rows joined from the column queries, a fleet total, sorting and alert levels. Pure. */
import type { Thresholds } from "../mixin/config.js";
import { ROW_LABELS, type HostColumn, type RowColumn } from "./queries.js";

export interface Sample {
  readonly metric: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface TopRow {
  readonly job: string;
  readonly instance: string;
  readonly model: string;
  readonly engine: string;
  readonly host: string;
  readonly values: Partial<Record<RowColumn | HostColumn, number>>;
}

export type Level = "ok" | "warning" | "alert";

function rowKey(metric: Readonly<Record<string, string>>): string {
  return ROW_LABELS.map((label) => metric[label] ?? "").join("\u0000");
}

/** The host of a target: its `hostname` label, else the host part of `instance`. */
function hostOf(metric: Readonly<Record<string, string>>): string {
  return metric.hostname ?? (metric.instance ?? "").replace(/:\d+$/, "");
}

/** Joins each column's samples into one row per server and engine, with its host's GPUs. */
export function buildRows(
  columns: Readonly<Partial<Record<RowColumn, readonly Sample[]>>>,
  hosts: readonly Sample[],
  gpus: Readonly<Partial<Record<HostColumn, readonly Sample[]>>>,
): TopRow[] {
  interface Building {
    metric: Readonly<Record<string, string>>;
    host: string;
    values: Partial<Record<RowColumn | HostColumn, number>>;
  }
  const rows = new Map<string, Building>();
  const rowFor = (metric: Readonly<Record<string, string>>): Building => {
    const key = rowKey(metric);
    const existing = rows.get(key);
    if (existing !== undefined) return existing;
    const created: Building = { metric, host: hostOf(metric), values: {} };
    rows.set(key, created);
    return created;
  };
  for (const sample of hosts) rowFor(sample.metric).host = hostOf(sample.metric);
  for (const [column, samples] of Object.entries(columns) as [RowColumn, readonly Sample[]][]) {
    for (const sample of samples) rowFor(sample.metric).values[column] = sample.value;
  }
  for (const row of rows.values()) {
    for (const [column, samples] of Object.entries(gpus) as [HostColumn, readonly Sample[]][]) {
      const gpu = samples.find((sample) => sample.metric.hostname === row.host);
      if (gpu !== undefined) row.values[column] = gpu.value;
    }
  }
  return [...rows.values()].map(({ metric, host, values }) => ({
    job: metric.job ?? "",
    instance: metric.instance ?? "",
    model: metric.model_name ?? "",
    engine: metric.engine ?? "",
    host,
    values,
  }));
}

const SUMMED: readonly (RowColumn | HostColumn)[] = ["running", "waiting", "generationTokens", "errors", "finished"];
const WORST: readonly (RowColumn | HostColumn)[] = ["kvCache", "ttftP95", "itlP95", "gpuUtilisation", "gpuMemory"];

/** The fleet: counts and rates summed, latencies and usage at their worst row (what an alert would see first). */
export function fleetTotal(rows: readonly TopRow[]): TopRow {
  const values: Partial<Record<RowColumn | HostColumn, number>> = {};
  for (const column of SUMMED) {
    const present = rows.flatMap((row) => (row.values[column] === undefined ? [] : [row.values[column]]));
    if (present.length > 0) values[column] = present.reduce((sum, value) => sum + value, 0);
  }
  for (const column of WORST) {
    const present = rows.flatMap((row) =>
      row.values[column] === undefined || Number.isNaN(row.values[column]) ? [] : [row.values[column]],
    );
    if (present.length > 0) values[column] = Math.max(...present);
  }
  return { job: "", instance: `fleet (${rows.length})`, model: "", engine: "", host: "", values };
}

export const SORT_KEYS = {
  n: "instance",
  r: "running",
  w: "waiting",
  k: "kvCache",
  t: "ttftP95",
  i: "itlP95",
  g: "generationTokens",
  e: "errors",
  u: "gpuUtilisation",
  m: "gpuMemory",
} as const;

export type SortKey = (typeof SORT_KEYS)[keyof typeof SORT_KEYS];

/** By instance name ascending; by any number descending (the busiest or worst first). */
export function sortRows(rows: readonly TopRow[], key: SortKey): TopRow[] {
  if (key === "instance") return [...rows].sort((a, b) => a.instance.localeCompare(b.instance) || a.engine.localeCompare(b.engine));
  const value = (row: TopRow) => row.values[key] ?? Number.NEGATIVE_INFINITY;
  return [...rows].sort((a, b) => value(b) - value(a) || a.instance.localeCompare(b.instance));
}

/** The alert thresholds of the mixin, per column: at or above them the cell is red. */
export function level(column: RowColumn | HostColumn, row: TopRow, thresholds: Thresholds): Level {
  const value = row.values[column];
  if (value === undefined || Number.isNaN(value)) return "ok";
  switch (column) {
    case "kvCache":
      return value >= thresholds.kvCacheUsage.ratio ? "alert" : value >= thresholds.kvCacheUsage.ratio * 0.9 ? "warning" : "ok";
    case "ttftP95":
      return value >= thresholds.ttft.seconds ? "alert" : "ok";
    case "itlP95":
      return value >= thresholds.itl.seconds ? "alert" : "ok";
    case "waiting":
      return value >= thresholds.queueWaiting.requests ? "alert" : value > 0 ? "warning" : "ok";
    case "errors": {
      const finished = row.values.finished ?? 0;
      if (value <= 0) return "ok";
      return finished > 0 && value / finished >= thresholds.errorRatio.ratio ? "alert" : "warning";
    }
    default:
      return "ok";
  }
}

function fixed(value: number | undefined, digits: number, scale = 1, suffix = ""): string {
  if (value === undefined || Number.isNaN(value)) return "-";
  return `${(value * scale).toFixed(digits)}${suffix}`;
}

function seconds(value: number | undefined): string {
  if (value === undefined || Number.isNaN(value)) return "-";
  return value < 1 ? `${Math.round(value * 1000)}ms` : `${value.toFixed(2)}s`;
}

/** A cell as text. */
export function cellText(column: RowColumn | HostColumn, row: TopRow): string {
  const value = row.values[column];
  switch (column) {
    case "running":
    case "waiting":
      return fixed(value, 0);
    case "kvCache":
    case "gpuMemory":
      return fixed(value, 1, 100, "%");
    case "gpuUtilisation":
      return fixed(value, 0, 1, "%");
    case "ttftP95":
    case "itlP95":
      return seconds(value);
    case "generationTokens":
      return fixed(value, 1);
    case "errors":
    case "finished":
      return fixed(value, 3);
  }
}
