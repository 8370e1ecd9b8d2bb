/**
 * Native stack benchmark (prints figures; not a test). Run: `npm run bench:native -- [options]`.
 *
 * 1. Startup: time from starting `vllm-monitor up --native` in demo mode (the demo's 2 s scrape
 *    interval) to every query of every panel returning data through Prometheus's HTTP API: the
 *    dashboards the stack provisions for Grafana (they read recording rules) and the portable ones
 *    the built-in viewer draws (Perses, raw queries). Target: 12 s or less for each. Prints the
 *    1-minute load average (the figure depends on it) and the last three queries to get data.
 * 2. Memory: RSS of the supervisor plus every child (Prometheus, node_exporter, Alertmanager when
 *    installed, the simulator) after `--duration` of demo load (default 10m), sampled each minute.
 *
 * Options: --duration <N>s|<N>m (default 10m), --source (run src/ through tsx instead of the
 * compiled dist/, which is rebuilt first), --no-build.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { setTimeout as sleep } from "node:timers/promises";
import { ENV_VARIABLES } from "../src/config/schema.js";
import { findFreePorts, startProcess, waitUntil } from "../src/process/index.js";
import { durationSeconds } from "../src/promql/duration.js";
import { listStacks, type NativeState } from "../src/stack/registry.js";
import { query } from "../test/e2e/harness.js";
import { emptyPanels, panelQueries } from "../test/e2e/panels.js";

/** The demo's scrape interval when SCRAPE_INTERVAL is not set, as the bench leaves it. */
const SCRAPE_SECONDS = durationSeconds(ENV_VARIABLES.SCRAPE_INTERVAL.demoDefault ?? ENV_VARIABLES.SCRAPE_INTERVAL.default ?? "5s");
const TARGET_SECONDS = 12;
const repo = fileURLToPath(new URL("..", import.meta.url));

function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(s|m)$/.exec(text);
  if (match === null) throw new Error(`--duration ${text}: use e.g. 90s or 10m`);
  return Number(match[1]) * (match[2] === "m" ? 60_000 : 1_000);
}

/** Resident set size of a pid in KiB, from /proc (Linux). */
function rssKib(pid: number): number {
  try {
    const line = readFileSync(`/proc/${pid}/status`, "utf8")
      .split("\n")
      .find((entry) => entry.startsWith("VmRSS:"));
    return Number(/(\d+)/.exec(line ?? "")?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** The bench's own stack, from the registry it alone uses (XDG_STATE_HOME in its folder). */
function readState(environment: Record<string, string | undefined>): NativeState | undefined {
  const stack = listStacks(environment)[0];
  return stack?.kind === "native" ? stack : undefined;
}

function memoryReport(environment: Record<string, string | undefined>): { totalMib: number; parts: string } {
  const state = readState(environment);
  if (state === undefined) return { totalMib: 0, parts: "(no state)" };
  const rows = [{ name: "supervisor", pid: state.supervisorPid }, ...state.processes].map((entry) => ({
    name: entry.name,
    mib: rssKib(entry.pid) / 1024,
  }));
  const totalMib = rows.reduce((sum, row) => sum + row.mib, 0);
  return { totalMib, parts: rows.map((row) => `${row.name} ${row.mib.toFixed(1)}`).join(", ") };
}

type Queries = ReturnType<typeof panelQueries>;

/** A long PromQL expression's first 120 characters. */
function shortened(promql: string): string {
  return promql.length > 120 ? `${promql.slice(0, 117)}...` : promql;
}

interface FirstData {
  /** Seconds from `up` to every query having data. */
  readonly seconds: number;
  /** The last queries to get data, latest first: seconds, dashboard / panel, PromQL. */
  readonly last: string[];
}

/**
 * When each query first returned data, in seconds after `started`: polls the queries still empty
 * (all at once, so a round is short and the figure close) until every one has data.
 */
async function firstDataTimes<Source extends string>(
  prometheusUrl: string,
  sources: Record<Source, Queries>,
  started: number,
): Promise<Record<Source, FirstData>> {
  const firstSeen = new Map<string, number>();
  const pending = (): string[] =>
    [...new Set(Object.values<Queries>(sources).flatMap((list) => list.map((entry) => entry.promql)))].filter(
      (promql) => !firstSeen.has(promql),
    );
  await waitUntil(
    async () => {
      await Promise.all(
        pending().map(async (promql) => {
          const samples = await query(prometheusUrl, promql).catch(() => []);
          // why: the time the answer came back (not when it was asked), so the figure is never too low.
          if (samples.length > 0) firstSeen.set(promql, (performance.now() - started) / 1000);
        }),
      );
      return pending().length === 0;
    },
    { what: "every panel to return data", timeoutMs: 180_000, intervalMs: 100 },
  ).catch((error: unknown) => {
    const empty = Object.values<Queries>(sources)
      .flat()
      .filter((entry) => !firstSeen.has(entry.promql));
    throw new Error(
      `${(error as Error).message}\n${empty.map((entry) => `${entry.query.dashboardUid} / ${entry.query.panelTitle}: ${entry.promql}`).join("\n")}`,
    );
  });
  const result = {} as Record<Source, FirstData>;
  for (const source of Object.keys(sources) as Source[]) {
    const timed = sources[source]
      .map((entry) => ({ ...entry, seconds: firstSeen.get(entry.promql) ?? Number.NaN }))
      .sort((a, b) => b.seconds - a.seconds);
    result[source] = {
      seconds: timed[0]?.seconds ?? 0,
      last: timed
        .slice(0, 3)
        .map(
          (entry) => `${entry.seconds.toFixed(1)} s ${entry.query.dashboardUid} / ${entry.query.panelTitle}: ${shortened(entry.promql)}`,
        ),
    };
  }
  return result;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      duration: { type: "string", default: "10m" },
      source: { type: "boolean", default: false },
      "no-build": { type: "boolean", default: false },
    },
  });
  const durationMs = parseDuration(values.duration ?? "10m");
  if (!values.source && !values["no-build"]) execFileSync("npm", ["run", "--silent", "build"], { cwd: repo, stdio: "inherit" });
  const cli = values.source ? ["--import", import.meta.resolve("tsx"), join(repo, "src/cli/main.ts")] : [join(repo, "bin/vllm-monitor.js")];

  const dir = mkdtempSync(join(tmpdir(), "vllm-monitor-bench-"));
  const [prometheus, nodeExporter, alertmanager, simulator, simulatorGpu, grafana] = (await findFreePorts(6)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  writeFileSync(
    join(dir, ".env"),
    [
      `PROMETHEUS_PORT=${prometheus}`,
      `NODE_EXPORTER_PORT=${nodeExporter}`,
      `ALERTMANAGER_PORT=${alertmanager}`,
      `SIMULATOR_PORT=${simulator}`,
      `SIMULATOR_GPU_PORT=${simulatorGpu}`,
      `GRAFANA_PORT=${grafana}`,
      "ADMIN_PASSWORD=bench-admin-password",
      "",
    ].join("\n"),
  );
  const prometheusUrl = `http://127.0.0.1:${prometheus}`;
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, XDG_STATE_HOME: join(dir, "state") };
  const queries = panelQueries(SCRAPE_SECONDS);
  const viewerQueries = panelQueries(SCRAPE_SECONDS, "raw");

  console.log(
    `native-startup bench: demo mode, scrape interval ${SCRAPE_SECONDS}s (the demo's default), ${queries.length} panel queries (Grafana, recorded), ${viewerQueries.length} (viewer, raw), CLI ${values.source ? "src via tsx" : "dist"}`,
  );
  const started = performance.now();
  const supervisor = startProcess({ name: "vllm-monitor", command: process.execPath, args: [...cli, "up", "--native"], cwd: dir, env });
  try {
    await waitUntil(() => readState(env)?.phase === "running", {
      what: "the native stack to be ready",
      timeoutMs: 120_000,
      intervalMs: 100,
    });
    const readySeconds = (performance.now() - started) / 1000;
    const firstData = await firstDataTimes(prometheusUrl, { recorded: queries, raw: viewerQueries }, started);
    const processes =
      readState(env)
        ?.processes.map((child) => child.name)
        .join(", ") ?? "";
    console.log(`processes: supervisor, ${processes}`);
    const load = loadavg()[0]?.toFixed(1) ?? "?";
    console.log(
      `startup (1-minute load average ${load}): all processes ready after ${readySeconds.toFixed(1)} s; every panel query has data after ${firstData.recorded.seconds.toFixed(1)} s (Grafana dashboards, recorded) and ${firstData.raw.seconds.toFixed(1)} s (viewer, raw) (target <= ${TARGET_SECONDS} s)`,
    );
    for (const source of ["recorded", "raw"] as const) {
      console.log(`last ${source} queries to get data:`);
      for (const line of firstData[source].last) console.log(`  ${line}`);
    }

    const memoryAtStart = memoryReport(env);
    console.log(`memory at t=0: ${memoryAtStart.totalMib.toFixed(1)} MiB RSS (${memoryAtStart.parts})`);
    const loadStarted = performance.now();
    while (performance.now() - loadStarted < durationMs) {
      await sleep(Math.min(60_000, durationMs - (performance.now() - loadStarted)));
      if (supervisor.child.exitCode !== null) throw new Error(`the stack stopped during the run:\n${supervisor.recentOutput().join("\n")}`);
      const memory = memoryReport(env);
      console.log(
        `memory at t=${((performance.now() - loadStarted) / 60_000).toFixed(1)} min: ${memory.totalMib.toFixed(1)} MiB RSS (${memory.parts})`,
      );
    }
    const stillEmpty = await emptyPanels(prometheusUrl, SCRAPE_SECONDS);
    console.log(`after ${values.duration} of demo load: ${queries.length - stillEmpty.length}/${queries.length} panel queries return data`);
  } finally {
    supervisor.child.kill("SIGTERM");
    await supervisor.stop(30_000);
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
