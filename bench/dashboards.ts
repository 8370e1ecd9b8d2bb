/**
 * Cost benchmark of the dashboards and the scrape config. Prints figures; asserts nothing.
 *
 *   npm run bench:dashboards
 *
 * 1. Series stored per simulated vLLM instance, our scrape config (metric_relabel drops) against a
 *    plain scrape of the same target, for each metrics version, and what each dropped family costs.
 * 2. Time Prometheus takes to evaluate one full refresh of each dashboard over 1 h and 24 h with
 *    16 instances, from raw series and through the recording rules, side by side. Method: a day of
 *    synthetic samples at a 60 s interval (bench/synthetic-history.ts) backfilled with
 *    `promtool tsdb create-blocks-from openmetrics`, the instance-level recording rules backfilled
 *    with `promtool tsdb create-blocks-from rules`, then every panel query run as a range query
 *    the way Grafana would (step 60 s for 1 h, 120 s for 24 h; `$__rate_interval` = 4 × 60 s).
 */
import { buildMixin, thresholds } from "../src/mixin/index.js";
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readdir, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { stringify } from "yaml";
import { METRICS_VERSIONS } from "../src/catalog/index.js";
import { allSelectedValues, dashboardQueries, substituteVariables } from "../src/dashboards/inspect.js";
import { findFreePort, startProcess, waitForHttp, type ManagedProcess } from "../src/process/index.js";
import { droppedFamilies, metricRelabelDrops, recordingRules } from "../src/rules/index.js";
import { startSimulator } from "../src/simulator/index.js";
import { startPrometheus } from "../test/helpers/prometheus.js";
import { writeSyntheticHistory } from "./synthetic-history.js";

const run = promisify(execFile);
const INSTANCES = 16;
const STEP_SECONDS = 60;
const REPEATS = 3;

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

async function startStoredPrometheus(dir: string): Promise<PrometheusServer> {
  const port = await findFreePort();
  await writeFile(join(dir, "prometheus.yml"), "global:\n  scrape_interval: 60s\nscrape_configs: []\n");
  const process = startProcess({
    name: "prometheus",
    command: "/usr/bin/prometheus",
    args: [
      `--config.file=${join(dir, "prometheus.yml")}`,
      `--storage.tsdb.path=${join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--storage.tsdb.retention.time=30d",
      "--query.max-samples=200000000",
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

async function rangeQuery(url: string, expr: string, start: number, end: number, step: number): Promise<{ ms: number; samples: number }> {
  const began = performance.now();
  const response = await fetch(`${url}/api/v1/query_range?query=${encodeURIComponent(expr)}&start=${start}&end=${end}&step=${step}&stats=all`, {
    signal: AbortSignal.timeout(120_000),
  });
  const body = (await response.json()) as { status: string; error?: string; data?: { stats?: { samples?: { totalQueryableSamples?: number } } } };
  const ms = performance.now() - began;
  if (body.status !== "success") throw new Error(`${expr}: ${body.error}`);
  return { ms, samples: body.data?.stats?.samples?.totalQueryableSamples ?? Number.NaN };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function refreshCost(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "bench-dashboards-"));
  let server: PrometheusServer | undefined;
  try {
    const end = Math.floor(Date.now() / 1000 / 3600) * 3600 - 3600;
    const start = end - 86_400 - 600;
    const history = join(dir, "history.om");
    let began = performance.now();
    const series = await writeSyntheticHistory({ instances: INSTANCES, startSeconds: start, endSeconds: end, stepSeconds: STEP_SECONDS, file: history });
    console.log(`\n## One dashboard refresh, ${INSTANCES} instances\n`);
    console.log(`Synthetic history: ${series} series (${series / INSTANCES} per instance incl. 7 GPU series), 24 h at ${STEP_SECONDS} s, written in ${((performance.now() - began) / 1000).toFixed(0)} s.`);
    began = performance.now();
    await mkdir(join(dir, "data"));
    await run("promtool", ["tsdb", "create-blocks-from", "openmetrics", "-q", history, join(dir, "data")], { maxBuffer: 64 * 1024 * 1024 });
    await rm(history);
    console.log(`Backfilled raw blocks in ${((performance.now() - began) / 1000).toFixed(0)} s.`);

    server = await startStoredPrometheus(dir);
    // why: promtool backfills rules only from raw data; the per-model quantiles read other records, and no dashboard uses them.
    const instanceRules = recordingRules(thresholds()).filter((rule) => rule.record.startsWith("instance:"));
    await writeFile(join(dir, "rules.yml"), stringify({ groups: [{ name: "bench", interval: `${STEP_SECONDS}s`, rules: instanceRules }] }));
    began = performance.now();
    await run(
      "promtool",
      ["tsdb", "create-blocks-from", "rules", "-q", `--url=${server.url}`, `--start=${start}`, `--end=${end}`, `--output-dir=${join(dir, "rule-blocks")}`, join(dir, "rules.yml")],
      { maxBuffer: 64 * 1024 * 1024 },
    );
    console.log(`Backfilled ${instanceRules.length} recording rules in ${((performance.now() - began) / 1000).toFixed(0)} s.`);
    await server.process.stop();
    for (const block of await readdir(join(dir, "rule-blocks"))) await rename(join(dir, "rule-blocks", block), join(dir, "data", block));
    server = await startStoredPrometheus(dir);

    const ranges = [
      { name: "1 h", seconds: 3_600, step: 60 },
      { name: "24 h", seconds: 86_400, step: 120 },
    ];
    const values = allSelectedValues(`${4 * STEP_SECONDS}s`);
    console.log("\nMedian of 3 refreshes; every panel query run once per refresh, one after another. Samples = Prometheus' totalQueryableSamples.\n");
    console.log("| dashboard | range | queries | raw series: time | raw: samples | recording rules: time | recorded: samples |");
    console.log("| --- | --- | ---: | ---: | ---: | ---: | ---: |");
    const variants = { raw: buildMixin().portableDashboards, recorded: buildMixin().recordedDashboards };
    for (let index = 0; index < variants.raw.length; index += 1) {
      for (const range of ranges) {
        const figures: Record<string, { ms: number; samples: number }> = {};
        let queryCount = 0;
        for (const [name, files] of Object.entries(variants)) {
          const queries = dashboardQueries(files[index]!.dashboard);
          queryCount = queries.length;
          const totals: number[] = [];
          let samples = 0;
          for (let repeat = 0; repeat < REPEATS; repeat += 1) {
            let total = 0;
            samples = 0;
            for (const query of queries) {
              const result = await rangeQuery(server.url, substituteVariables(query.expr, values), end - range.seconds, end, range.step);
              total += result.ms;
              samples += result.samples;
            }
            totals.push(total);
          }
          figures[name] = { ms: median(totals), samples };
        }
        const title = String(variants.raw[index]!.dashboard.title);
        console.log(
          `| ${title} | ${range.name} | ${queryCount} | ${figures.raw!.ms.toFixed(0)} ms | ${figures.raw!.samples.toLocaleString("en")} | ${figures.recorded!.ms.toFixed(0)} ms | ${figures.recorded!.samples.toLocaleString("en")} |`,
        );
      }
    }
  } finally {
    await server?.process.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const only = process.argv[2] as "series" | "refresh" | undefined;
  if (only !== "refresh") await seriesPerInstance();
  if (only !== "series") await refreshCost();
}

await main();

