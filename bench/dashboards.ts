/**
 * Cost benchmark of the dashboards and the scrape config. Prints figures; asserts nothing.
 *
 *   npm run bench:dashboards              # both parts
 *   npm run bench:dashboards -- refresh   # only the dashboard refresh cost
 *   npm run bench:dashboards -- refresh 8 64 256            # other fleet sizes (any number of them)
 *   BENCH_DASHBOARD_SIZES=8,64 npm run bench:dashboards -- refresh   # the same through the environment
 *   BENCH_HISTORY=backfill npm run bench:dashboards -- refresh 8      # history as promtool-built blocks
 *   npm run bench:dashboards -- history 2   # the history of 2 instances written both ways, side by side
 *
 * 1. Series stored per simulated vLLM instance, our scrape config (metric_relabel drops) against a
 *    plain scrape of the same target, for each metrics version, and what each dropped family costs.
 * 2. What one full refresh of a dashboard over 24 h costs Prometheus at 64 and at 256 instances,
 *    side by side: the Fleet overview (aggregate recording rules only), the User overview from raw
 *    series and the User overview through the instance-level recording rules. Method: for each fleet
 *    size a fresh Prometheus 2.42 gets a day (plus the 5-minute rate window) of samples at the
 *    default 5 s scrape and rule-evaluation interval, written in time order through its
 *    remote-write receiver, or with BENCH_HISTORY=backfill as blocks built by promtool from OpenMetrics
 *    files (bench/openmetrics-history.ts), then compacted by Prometheus before the queries
 *    (bench/synthetic-history.ts: the raw series the User overview reads and
 *    the recorded series of src/mixin/rules, whose names and labels bench/record-shapes.ts first checks
 *    against the real rules); then every panel query runs as Grafana would send it (range queries,
 *    step 120 s, `$__rate_interval` = 125 s; instant queries for tables), three times. Figures:
 *    Prometheus' totalQueryableSamples (the same every run) and the median wall time.
 */
import { buildMixin } from "../src/mixin/index.js";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { stringify } from "yaml";
import { METRICS_VERSIONS } from "../src/catalog/index.js";
import { FLEET_OVERVIEW_UID, USER_OVERVIEW_UID, type DashboardModel } from "../src/mixin/dashboards/index.js";
import { allSelectedValues, dashboardPanels, dashboardQueries, substituteVariables } from "../src/mixin/dashboards/inspect.js";
import { findFreePort, startProcess, waitForHttp, waitUntil, type ManagedProcess } from "../src/process/index.js";
import { droppedFamilies, metricRelabelDrops } from "../src/mixin/rules/index.js";
import { startSimulator } from "../src/simulator/index.js";
import { startPrometheus } from "../test/helpers/prometheus.js";
import { checkRecordShapes } from "./record-shapes.js";
import { backfillHistory } from "./openmetrics-history.js";
import { historySeries, writeHistory, type HistoryOptions } from "./synthetic-history.js";

/** The stack's default SCRAPE_INTERVAL, which is also its rule-evaluation interval. */
const SCRAPE_SECONDS = 5;
/** Fleet sizes compared unless arguments or BENCH_DASHBOARD_SIZES name others (e.g. `8,32` for a quick check). */
const DEFAULT_SIZES = [64, 256] as const;
const RANGE_SECONDS = 86_400;
/** History before the range, so the first rates of the range have their window. */
const HISTORY_MARGIN_SECONDS = 600;
/** Grafana's interval for a 24 h range on a full-width panel, and its $__rate_interval: max(interval + scrape, 4 × scrape). */
const STEP_SECONDS = 120;
const RATE_INTERVAL_SECONDS = Math.max(STEP_SECONDS + SCRAPE_SECONDS, 4 * SCRAPE_SECONDS);
const REPEATS = 3;
const LONG_REFRESH_MS = 30_000;

async function seriesPerInstance(): Promise<void> {
  console.log("## Series stored per simulated vLLM instance (1 engine, 1 model)\n");
  console.log("| metrics version | plain scrape | with our drops | saved |");
  console.log("| --- | ---: | ---: | ---: |");
  const perFamily: string[] = [];
  for (const version of METRICS_VERSIONS) {
    const simulator = await startSimulator({ metricsVersion: version, seed: 5, load: "steady" });
    try {
      const target = new URL(simulator.urls[0]!).host;
      const prometheus = await startPrometheus({
        config: stringify({
          scrape_configs: [
            { job_name: "plain", static_configs: [{ targets: [target] }] },
            { job_name: "ours", metric_relabel_configs: metricRelabelDrops(), static_configs: [{ targets: [target] }] },
          ],
        }),
      });
      try {
        await prometheus.waitForScrapes(3);
        await sleep(1_500);
        const count = async (selector: string) => (await prometheus.query(`count(${selector})`))[0]?.value ?? 0;
        const plain = await count('{job="plain"}');
        const ours = await count('{job="ours"}');
        console.log(`| ${version} | ${plain} | ${ours} | ${plain - ours} (${((100 * (plain - ours)) / plain).toFixed(0)}%) |`);
        for (const family of droppedFamilies()) {
          const dropped = await count(`{job="plain", __name__=~"${family.regex.replace(/\\/g, "\\\\")}"}`);
          perFamily.push(`| ${version} | \`${family.regex}\` | ${dropped} | ${family.reason} |`);
        }
      } finally {
        await prometheus.stop();
      }
    } finally {
      await simulator.close();
    }
  }
  console.log("\n### Dropped families\n");
  console.log("| version | regex | series per instance | why a user needs none of them |");
  console.log("| --- | --- | ---: | --- |");
  for (const line of perFamily) console.log(line);
}

interface PrometheusServer {
  readonly url: string;
  readonly process: ManagedProcess;
}

async function startBenchPrometheus(dir: string): Promise<PrometheusServer> {
  const port = await findFreePort();
  await writeFile(join(dir, "prometheus.yml"), `global:\n  scrape_interval: ${SCRAPE_SECONDS}s\nscrape_configs: []\n`);
  const process = startProcess({
    name: "prometheus",
    command: "/usr/bin/prometheus",
    args: [
      `--config.file=${join(dir, "prometheus.yml")}`,
      `--storage.tsdb.path=${join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--web.enable-remote-write-receiver",
      "--storage.tsdb.retention.time=30d",
      "--query.max-samples=500000000",
      "--query.timeout=10m",
    ],
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(`${url}/-/ready`, { what: "prometheus", timeoutMs: 120_000 });
  } catch (error) {
    await process.stop();
    throw error;
  }
  return { url, process };
}

interface Cost {
  readonly ms: number;
  readonly samples: number;
}

async function runQuery(url: string, expr: string, instant: boolean, start: number, end: number): Promise<Cost> {
  const path = instant
    ? `query?query=${encodeURIComponent(expr)}&time=${end}`
    : `query_range?query=${encodeURIComponent(expr)}&start=${start}&end=${end}&step=${STEP_SECONDS}`;
  const began = performance.now();
  const response = await fetch(`${url}/api/v1/${path}&stats=all`, { signal: AbortSignal.timeout(600_000) });
  const body = (await response.json()) as {
    status: string;
    error?: string;
    data?: { stats?: { samples?: { totalQueryableSamples?: number } } };
  };
  const ms = performance.now() - began;
  if (body.status !== "success") throw new Error(`${expr}: ${body.error}`);
  return { ms, samples: body.data?.stats?.samples?.totalQueryableSamples ?? Number.NaN };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

interface Variant {
  readonly name: string;
  readonly dashboard: DashboardModel;
}

function variants(): Variant[] {
  const mixin = buildMixin();
  const pick = (files: typeof mixin.portableDashboards, uid: string) => files.find((file) => file.dashboard.uid === uid)!.dashboard;
  return [
    { name: "Fleet overview (aggregate rules)", dashboard: pick(mixin.recordedDashboards, FLEET_OVERVIEW_UID) },
    { name: "User overview, raw series", dashboard: pick(mixin.portableDashboards, USER_OVERVIEW_UID) },
    { name: "User overview, instance-level rules", dashboard: pick(mixin.recordedDashboards, USER_OVERVIEW_UID) },
  ];
}

/** One refresh: every panel query, one after another, as Grafana would send it. */
async function refresh(url: string, variant: Variant, end: number): Promise<Cost> {
  const values = {
    ...allSelectedValues(`${RATE_INTERVAL_SECONDS}s`),
    __interval: `${STEP_SECONDS}s`,
    __range: `${RANGE_SECONDS}s`,
    __range_s: String(RANGE_SECONDS),
  };
  const panels = dashboardPanels(variant.dashboard);
  let ms = 0;
  let samples = 0;
  for (const panel of panels) {
    for (const target of (panel.targets ?? []) as { expr?: string; instant?: boolean }[]) {
      const cost = await runQuery(url, substituteVariables(target.expr ?? "", values), target.instant === true, end - RANGE_SECONDS, end);
      ms += cost.ms;
      samples += cost.samples;
    }
  }
  return { ms, samples };
}

/** Waits while Prometheus' head spans more than a few hours: compaction must keep up with the writes. */
async function keepHeadSmall(url: string): Promise<void> {
  const span = async () => {
    const body = (await (await fetch(`${url}/api/v1/status/tsdb`)).json()) as { data: { headStats: { minTime: number; maxTime: number } } };
    return body.data.headStats.maxTime - body.data.headStats.minTime;
  };
  if ((await span()) <= 5 * 3_600_000) return;
  await waitUntil(async () => (await span()) <= 4 * 3_600_000, { what: "the head to be compacted", timeoutMs: 900_000, intervalMs: 1_000 });
}

interface SizeResult {
  readonly instances: number;
  readonly series: number;
  readonly samples: number;
  readonly writeSeconds: number;
  readonly costs: Map<string, Cost & { queries: number }>;
}

function historyOptions(instances: number): HistoryOptions {
  const end = Math.floor(Date.now() / 1000 / 60) * 60 - 60;
  return { instances, startSeconds: end - RANGE_SECONDS - HISTORY_MARGIN_SECONDS, endSeconds: end, stepSeconds: SCRAPE_SECONDS };
}

async function metricValue(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split("\n").find((candidate) => candidate.startsWith(`${name} `));
  return line === undefined ? Number.NaN : Number(line.split(" ")[1]);
}

/**
 * Waits until Prometheus has compacted the backfilled 2-hour blocks into larger ones, as it would
 * have while the day went by. why: its compaction loop runs a minute after start, then a minute
 * after each pass ends, so a second trigger means the first pass (all of it) is done.
 */
async function waitForBlockCompaction(url: string): Promise<void> {
  await waitUntil(async () => (await metricValue(url, "prometheus_tsdb_compactions_triggered_total")) >= 2, {
    what: "Prometheus to compact the backfilled blocks",
    timeoutMs: 1_800_000,
    intervalMs: 2_000,
  });
}

/** A day of history written through remote write into a fresh Prometheus (the old way, kept to compare). */
async function remoteWriteHistory(dir: string, options: HistoryOptions): Promise<{ server: PrometheusServer; samples: number }> {
  const server = await startBenchPrometheus(dir);
  try {
    const samples = await writeHistory(server.url, options, () => keepHeadSmall(server.url));
    return { server, samples };
  } catch (error) {
    await server.process.stop();
    throw error;
  }
}

/** A day of history backfilled as blocks by promtool, then a Prometheus opened on them. */
async function backfilledHistory(dir: string, options: HistoryOptions): Promise<{ server: PrometheusServer; samples: number }> {
  const samples = await backfillHistory(join(dir, "data"), dir, options);
  return { server: await startBenchPrometheus(dir), samples };
}

/** How the history gets into the TSDB: BENCH_HISTORY=remote-write (default) or backfill (promtool). */
type HistoryMethod = "remote-write" | "backfill";

async function measureSize(instances: number, method: HistoryMethod): Promise<SizeResult> {
  const dir = await mkdtemp(join(tmpdir(), `bench-dashboards-${instances}-`));
  let server: PrometheusServer | undefined;
  try {
    await mkdir(join(dir, "data"));
    const options = historyOptions(instances);
    const began = performance.now();
    const written = await (method === "backfill" ? backfilledHistory : remoteWriteHistory)(dir, options);
    server = written.server;
    const writeSeconds = (performance.now() - began) / 1000;
    console.log(
      `${instances} instances: ${historySeries({ instances }).toLocaleString("en")} series, ${millions(written.samples)} samples written in ${writeSeconds.toFixed(0)} s ` +
        `(${(written.samples / writeSeconds / 1e6).toFixed(2)} M samples/s); ${new Date().toISOString()}, load averages ${loadAverages()}.`,
    );
    if (method === "backfill") await waitForBlockCompaction(server.url);
    const costs = new Map<string, Cost & { queries: number }>();
    for (const variant of variants()) {
      const runs: Cost[] = [];
      // why: a refresh that takes longer than LONG_REFRESH_MS is measured once; the machine's noise is small against it.
      for (let repeat = 0; repeat < REPEATS && (runs[0]?.ms ?? 0) < LONG_REFRESH_MS; repeat += 1)
        runs.push(await refresh(server.url, variant, options.endSeconds));
      const queries = dashboardQueries(variant.dashboard).length;
      const cost = { ms: median(runs.map((run) => run.ms)), samples: runs[0]!.samples, queries };
      costs.set(variant.name, cost);
      // why: each dashboard printed as it finishes, so a long run cut short (a time limit) still leaves what it measured.
      console.log(
        `  ${variant.name}: ${samplesText(cost.samples)} samples, ${(cost.ms / 1000).toFixed(2)} s per refresh; load averages ${loadAverages()}`,
      );
    }
    return { instances, series: historySeries({ instances }), samples: written.samples, writeSeconds, costs };
  } finally {
    await server?.process.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Series and samples a Prometheus holds of the whole history (small fleets only: it reads every sample). */
async function storedTotals(url: string, options: HistoryOptions): Promise<{ series: number; samples: number }> {
  const range = options.endSeconds - options.startSeconds + options.stepSeconds;
  const value = async (expr: string) => {
    const response = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(expr)}&time=${options.endSeconds}`);
    const body = (await response.json()) as { error?: string; data?: { result: { value: [number, string] }[] } };
    if (body.data === undefined) throw new Error(`${expr}: ${body.error}`);
    return Number(body.data.result[0]?.value[1] ?? Number.NaN);
  };
  const names = ((await (await fetch(`${url}/api/v1/label/__name__/values`)).json()) as { data: string[] }).data;
  let samples = 0;
  // why: per name, as count_over_time drops the name and series of different names would collide.
  for (const name of names) samples += await value(`sum(count_over_time({__name__="${name}"}[${range}s]))`);
  return { series: await value(`count({__name__=~".+"})`), samples };
}

/** The same history written both ways, side by side: time, samples/s, and what each Prometheus then holds. */
async function compareHistoryWriters(instances: number): Promise<void> {
  console.log(`\n## Writing the synthetic history of ${instances} instances (24 h at 5 s): remote write against promtool backfill\n`);
  console.log(
    `${new Date().toISOString()}, load averages ${loadavg()
      .map((load) => load.toFixed(2))
      .join(" ")}\n`,
  );
  console.log("| method | samples | seconds | M samples/s | series stored | samples stored |");
  console.log("| --- | ---: | ---: | ---: | ---: | ---: |");
  const options = historyOptions(instances);
  const methods = [
    ["remote write (until now)", remoteWriteHistory],
    ["promtool tsdb create-blocks-from openmetrics", backfilledHistory],
  ] as const;
  for (const [name, write] of methods) {
    const dir = await mkdtemp(join(tmpdir(), `bench-history-${instances}-`));
    let server: PrometheusServer | undefined;
    try {
      await mkdir(join(dir, "data"));
      const began = performance.now();
      const written = await write(dir, options);
      server = written.server;
      const seconds = (performance.now() - began) / 1000;
      const stored = await storedTotals(server.url, options);
      console.log(
        `| ${name} | ${written.samples.toLocaleString("en")} | ${seconds.toFixed(0)} | ${(written.samples / seconds / 1e6).toFixed(2)} | ` +
          `${stored.series.toLocaleString("en")} | ${stored.samples.toLocaleString("en")} |`,
      );
    } finally {
      await server?.process.stop();
      await rm(dir, { recursive: true, force: true });
    }
  }
}

function loadAverages(): string {
  return loadavg()
    .map((load) => load.toFixed(2))
    .join(" ");
}

function millions(samples: number): string {
  return `${(samples / 1e6).toFixed(samples < 1e7 ? 2 : 1)} M`;
}

/** Exact below a million (the Fleet overview's flat cost must show its small changes), millions above. */
function samplesText(samples: number): string {
  return samples < 1e6 ? samples.toLocaleString("en") : millions(samples);
}

async function refreshCost(sizes: readonly number[], method: HistoryMethod): Promise<void> {
  console.log("\n## One dashboard refresh over 24 h, 5 s scrape and rule interval\n");
  const shapeProblems = await checkRecordShapes();
  if (shapeProblems.length > 0) throw new Error(`the synthetic recorded series differ from the rules':\n${shapeProblems.join("\n")}`);
  console.log(
    "Recorded series of the synthetic history: names and labels match what rules/vllm-recording.yml records (checked against a real Prometheus).",
  );
  console.log(`History written by ${method === "backfill" ? "promtool tsdb create-blocks-from openmetrics" : "remote write"}.`);
  const results: SizeResult[] = [];
  for (const instances of sizes) {
    results.push(await measureSize(instances, method));
  }
  console.log(
    `\nSamples = Prometheus' totalQueryableSamples of one refresh (every panel query); time = median of ${REPEATS} refreshes ` +
      `(one when a refresh takes over ${LONG_REFRESH_MS / 1000} s) on this shared 2-core machine.\n`,
  );
  const first = results[0]!;
  const last = results.at(-1)!;
  console.log(
    `| dashboard | queries | ${results.map((result) => `${result.instances} instances: samples | time`).join(" | ")} | samples ${last.instances} / ${first.instances} |`,
  );
  console.log(`| --- | ---: | ${results.map(() => "---: | ---:").join(" | ")} | ---: |`);
  for (const variant of variants()) {
    const cost = (result: SizeResult) => result.costs.get(variant.name)!;
    console.log(
      `| ${variant.name} | ${cost(first).queries} | ${results.map((result) => `${samplesText(cost(result).samples)} | ${(cost(result).ms / 1000).toFixed(2)} s`).join(" | ")} | ${(cost(last).samples / cost(first).samples).toFixed(2)}× |`,
    );
  }
  const fleet = variants()[0]!.name;
  console.log("\nFleet overview against the User overview, same fleet size:\n");
  console.log("| instances | raw User overview / Fleet: samples | time | recorded User overview / Fleet: samples | time |");
  console.log("| ---: | ---: | ---: | ---: | ---: |");
  for (const result of results) {
    const fleetCost = result.costs.get(fleet)!;
    const ratio = (name: string) => {
      const cost = result.costs.get(name)!;
      return `${(cost.samples / fleetCost.samples).toFixed(0)}× | ${(cost.ms / fleetCost.ms).toFixed(0)}×`;
    };
    console.log(`| ${result.instances} | ${ratio(variants()[1]!.name)} | ${ratio(variants()[2]!.name)} |`);
  }
}

/** Fleet sizes from the arguments after the part, else BENCH_DASHBOARD_SIZES (comma-separated), else the defaults. */
function fleetSizes(args: readonly string[], fromEnvironment: string | undefined): readonly number[] {
  const words = args.length > 0 ? args : (fromEnvironment ?? "").split(",").filter((word) => word.trim() !== "");
  if (words.length === 0) return DEFAULT_SIZES;
  const sizes = words.map(Number);
  const bad = words.filter((_, index) => !Number.isInteger(sizes[index]) || sizes[index]! <= 0);
  if (bad.length > 0) {
    console.error(
      `bench:dashboards: fleet sizes must be positive integers, got ${bad.join(", ")}; e.g. \`refresh 8 64\` or BENCH_DASHBOARD_SIZES=8,64`,
    );
    process.exit(2);
  }
  return sizes;
}

function historyMethod(fromEnvironment: string | undefined): HistoryMethod {
  const method = fromEnvironment ?? "remote-write";
  if (method === "remote-write" || method === "backfill") return method;
  console.error(`bench:dashboards: BENCH_HISTORY must be remote-write or backfill, got ${method}`);
  process.exit(2);
}

async function main(): Promise<void> {
  const only = process.argv[2] as "series" | "refresh" | "history" | undefined;
  const sizes = fleetSizes(process.argv.slice(3), process.env.BENCH_DASHBOARD_SIZES);
  if (only === "history") {
    for (const instances of process.argv.length > 3 ? sizes : [2]) await compareHistoryWriters(instances);
    return;
  }
  if (only !== "refresh") await seriesPerInstance();
  if (only !== "series") await refreshCost(sizes, historyMethod(process.env.BENCH_HISTORY));
}

await main();
