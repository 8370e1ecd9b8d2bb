/**
 * The `top` screen, drawn with Ink (React for terminals): a header, one line per server and
 * engine, the fleet total, colours at the alert thresholds; keys sort, q quits.
 */
import { Box, Text, useApp, useInput } from "ink";
import { createElement as h, useEffect, useState, type ReactElement } from "react";
import type { Thresholds } from "../mixin/config.js";
import type { HostColumn, RowColumn } from "./queries.js";
import { cellText, fleetTotal, level, SORT_KEYS, sortRows, type Level, type SortKey, type TopRow } from "./rows.js";

interface Column {
  readonly key: RowColumn | HostColumn;
  readonly title: string;
  readonly width: number;
}

const COLUMNS: readonly Column[] = [
  { key: "running", title: "RUN", width: 5 },
  { key: "waiting", title: "WAIT", width: 5 },
  { key: "kvCache", title: "KV%", width: 7 },
  { key: "ttftP95", title: "TTFT95", width: 8 },
  { key: "itlP95", title: "ITL95", width: 8 },
  { key: "generationTokens", title: "GEN/s", width: 8 },
  { key: "errors", title: "ERR/s", width: 7 },
  { key: "gpuUtilisation", title: "GPU%", width: 6 },
  { key: "gpuMemory", title: "GMEM%", width: 7 },
];

const COLORS: Readonly<Record<Level, string | undefined>> = { ok: undefined, warning: "yellow", alert: "red" };

export interface TopAppProps {
  readonly source: string;
  readonly intervalMs: number;
  readonly thresholds: Thresholds;
  readonly initialSort: SortKey;
  readonly load: () => Promise<TopRow[]>;
}

function pad(text: string, width: number, right = true): string {
  const cut = text.length > width ? `${text.slice(0, width - 1)}…` : text;
  return right ? cut.padStart(width) : cut.padEnd(width);
}

function Line({ row, thresholds, bold }: { row: TopRow; thresholds: Thresholds; bold?: boolean }): ReactElement {
  const name = `${row.instance}${row.engine === "" ? "" : `/${row.engine}`}`;
  return h(
    Box,
    null,
    h(Text, { bold: bold === true }, `${pad(name, 24, false)} ${pad(row.model, 22, false)}`),
    ...COLUMNS.map((column) => {
      const color = COLORS[level(column.key, row, thresholds)];
      return h(
        Text,
        { key: column.key, bold: bold === true, ...(color === undefined ? {} : { color }) },
        pad(cellText(column.key, row), column.width + 1),
      );
    }),
  );
}

export function TopApp(props: TopAppProps): ReactElement {
  const { exit } = useApp();
  const [rows, setRows] = useState<TopRow[]>([]);
  const [sortKey, setSortKey] = useState<SortKey>(props.initialSort);
  const [status, setStatus] = useState("loading…");
  useEffect(() => {
    let stopped = false;
    const refresh = async () => {
      try {
        const loaded = await props.load();
        if (stopped) return;
        setRows(loaded);
        setStatus(`updated ${new Date().toLocaleTimeString()}`);
      } catch (error) {
        if (!stopped) setStatus(`error: ${error instanceof Error ? error.message : String(error)}`);
      }
    };
    void refresh();
    const timer = setInterval(() => void refresh(), props.intervalMs);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [props]);
  useInput((input) => {
    if (input === "q") exit();
    const key = SORT_KEYS[input as keyof typeof SORT_KEYS];
    if (key !== undefined) setSortKey(key);
  });
  const sorted = sortRows(rows, sortKey);
  const sortLetter = Object.entries(SORT_KEYS).find(([, value]) => value === sortKey)?.[0] ?? "n";
  return h(
    Box,
    { flexDirection: "column" },
    h(Text, { bold: true }, `vllm-monitor top · ${props.source} · every ${props.intervalMs / 1000}s · ${status}`),
    h(
      Text,
      { dimColor: true },
      `sort: n name  r run  w wait  k kv  t ttft  i itl  g gen  e err  u gpu  m gmem (now ${sortLetter}) · q quit`,
    ),
    h(
      Text,
      { bold: true, inverse: true },
      `${pad("INSTANCE/ENGINE", 24, false)} ${pad("MODEL", 22, false)}${COLUMNS.map((column) => pad(column.title, column.width + 1)).join("")}`,
    ),
    ...sorted.map((row) => h(Line, { key: `${row.job}/${row.instance}/${row.model}/${row.engine}`, row, thresholds: props.thresholds })),
    h(Line, { key: "fleet", row: fleetTotal(rows), thresholds: props.thresholds, bold: true }),
  );
}
