import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { thresholds } from "../../src/mixin/index.js";
import { METRICS_VERSIONS, countSeries, dcgm, metricsVersionSpec, nvidiaSmi, vllm, type MetricsVersion } from "../../src/catalog/index.js";
import { waitUntil } from "../../src/process/index.js";
import {
  MACHINE_OVERVIEW_UID,
  dashboardFiles,
  machineOverviewDashboard,
  type DashboardModel,
  type DashboardOptions,
} from "../../src/mixin/dashboards/index.js";
import {
  allSelectedValues,
  dashboardQueries,
  dashboardVariable,
  queryResultText,
  regexVariableValue,
  substituteVariables,
  variableOptions,
  type PanelQuery,
} from "../../src/mixin/dashboards/inspect.js";
import { histogramSignals } from "../../src/promql/signals.js";
import type { TruthRecord } from "../../src/simulator/index.js";
import { recordingRules } from "../../src/mixin/rules/index.js";
import { NO_DATA_ALLOWLIST } from "./no-data-allowlist.js";
import { NODE_JOB, NVIDIA_SMI_GPU_JOB, gpuJob, startFleet, vllmJob, type Fleet } from "./fleet.js";

const MODELS = ["llama-3-8b", "qwen-2-7b"];
/**
 * Finished requests each version line must have served before the accuracy checks (about 35 s of
 * steady load): enough that each model has 20 or more inside the recorded rates' window with four
 * version lines sharing the CPU.
 */
const FINISHED_REQUESTS = 200;
const MAX_MODEL_LEN = 8192;

interface Sample {
  readonly metric: Record<string, string>;
  readonly value: number;
}

/** The `result` of an instant query at `time` (a vector, or a matrix for a range selector). */
async function queryAt<T>(fleet: Fleet, expr: string, time: number): Promise<T[]> {
  const url = `${fleet.prometheus.url}/api/v1/query?query=${encodeURIComponent(expr)}&time=${time}`;
  const response = await fetch(url, { signal: AbortSignal.timeout(15_000) });
  const body = (await response.json()) as { status: string; error?: string; data: { result: T[] } };
  if (body.status !== "success") throw new Error(`${expr}: ${body.error}`);
  return body.data.result;
}

/**
 * Which observations a dashboard's rate can see, series by series: a rate over `windowSeconds` as
 * of `asOf` counts what happened after the series' first sample in the window and up to its last
 * sample. Comparing with every observation since some fleet-wide start instead miscounts the tail
 * of a small sample by one or two requests (a series that began a scrape later, the last scrape
 * before the query or the rule evaluation).
 */
async function visibleToRate(
  fleet: Fleet,
  version: MetricsVersion,
  source: "ttft" | "e2e",
  asOf: number,
  windowSeconds: number,
): Promise<(record: TruthRecord, observedAt: number) => boolean> {
  const countNames = histogramSignals()[source].families.map((family) => countSeries(family));
  const matrix = await queryAt<{ metric: Record<string, string>; values: [number, string][] }>(
    fleet,
    `{__name__=~"${countNames.join("|")}", job="${vllmJob(version)}"}[${windowSeconds}s]`,
    asOf,
  );
  const spans = new Map<string, readonly [number, number]>();
  for (const series of matrix) {
    const times = series.values.map(([at]) => at);
    spans.set(`${series.metric.instance}|${series.metric.model_name}|${series.metric.engine ?? ""}`, [
      Math.min(...times),
      Math.max(...times),
    ]);
  }
  const urls = fleet.simulators.get(version)?.urls ?? [];
  return (record, observedAt) => {
    const engine = version === "0.6" ? "" : String(record.engine);
    const span = spans.get(`${new URL(urls[record.instance] ?? "http://unknown").host}|${record.model}|${engine}`);
    return span !== undefined && observedAt > span[0] && observedAt <= span[1];
  };
}

const RECORDED_NAMES = recordingRules(thresholds()).map((rule) => rule.record);

/** When the recorded series an expression reads were last evaluated at or before `time`; `time` itself for raw queries. */
async function recordedAsOf(fleet: Fleet, expr: string, time: number): Promise<number> {
  const records = RECORDED_NAMES.filter((name) => expr.includes(name));
  if (records.length === 0) return time;
  const stamps = await instantQuery(fleet, `min(${records.map((name) => `max(timestamp({__name__="${name}"}))`).join(" or ")})`, time);
  return stamps[0]?.value ?? time;
}

async function instantQuery(fleet: Fleet, expr: string, time: number): Promise<Sample[]> {
  const result = await queryAt<{ metric: Record<string, string>; value: [number, string] }>(fleet, expr, time);
  return result.map((item) => ({ metric: item.metric, value: Number(item.value[1]) }));
}

/** The variable values Grafana would send for one version: its jobs, everything else on All. */
function versionValues(version: MetricsVersion, rateInterval: string): Record<string, string> {
  return { ...allSelectedValues(rateInterval), job: `(${vllmJob(version)}|${gpuJob(version)}|${NODE_JOB})` };
}

const GIB = 1024 ** 3;

/** What each GPU panel of the Machine overview may show for an H200; a unit slip (MiB, MHz, ratio vs percent) lands outside. */
const GPU_PANEL_RANGES: Readonly<Record<string, readonly [number, number]>> = {
  "GPU utilisation": [0, 100],
  "GPU memory used": [0.5 * GIB, 141 * GIB],
  "GPU memory used %": [0.001, 1],
  "GPU power": [50, 700],
  "GPU temperature": [20, 95],
  "GPU SM clock": [300e6, 2.1e9],
  "Xid errors": [0, 10],
  "Power against its limit": [50, 700],
  "GPU memory temperature": [20, 95],
  "Tensor-core and DRAM activity": [0, 1],
  "GPU memory headroom": [0.5 * GIB, 141 * GIB],
};

/**
 * GPU queries with no nvidia_gpu_exporter counterpart, each with why: the nvidia-smi job shows
 * nothing there, and the side-by-side test leaves them out.
 */
const DCGM_ONLY: Readonly<Record<string, string>> = {
  [`${MACHINE_OVERVIEW_UID} / GPU utilisation / B`]: "DCGM profiling (graphics engine active); its busy twin (ref A) covers nvidia-smi",
  [`${MACHINE_OVERVIEW_UID} / Row remapping / A`]: "row remapping is a DCGM field",
  [`${MACHINE_OVERVIEW_UID} / Row remapping / B`]: "row remapping is a DCGM field",
  [`${MACHINE_OVERVIEW_UID} / PCIe replays / A`]: "PCIe replays are a DCGM field",
  [`${MACHINE_OVERVIEW_UID} / Clock throttling / A`]: "DCGM's violation counters",
  [`${MACHINE_OVERVIEW_UID} / Clock throttling / B`]: "DCGM's violation counters",
  [`${MACHINE_OVERVIEW_UID} / Tensor-core and DRAM activity / A`]: "DCGM profiling",
  [`${MACHINE_OVERVIEW_UID} / NVLink and PCIe throughput / A`]: "DCGM profiling",
  [`${MACHINE_OVERVIEW_UID} / NVLink and PCIe throughput / B`]: "DCGM profiling",
  [`${MACHINE_OVERVIEW_UID} / NVLink and PCIe throughput / C`]: "DCGM profiling (PCIe bytes/s gauges)",
  [`${MACHINE_OVERVIEW_UID} / NVLink and PCIe throughput / D`]: "DCGM profiling (PCIe bytes/s gauges)",
};

/** nvidia-smi-capable GPU queries that not every exporter job answers, each with the jobs that do. */
function exportersAnswering(query: PanelQuery, all: readonly string[]): string[] {
  // why: the default-counters field set (the 0.6 fleet's exporter) has no power limit; its draw (ref A) shows.
  if (query.panelTitle === "Power against its limit" && query.refId === "B") return all.filter((job) => job !== gpuJob("0.6"));
  return [...all];
}

const readsAny = (expr: string, families: readonly { name: string }[]) => families.some((family) => expr.includes(family.name));

/** The GPU hosts Grafana offers in the `hostname` variable for these variable values. */
async function gpuHostOptions(fleet: Fleet, dashboard: DashboardModel, values: Record<string, string>, time: number): Promise<string[]> {
  const variable = dashboardVariable(dashboard, "hostname");
  const inner = /^query_result\((.*)\)$/s.exec(variable?.query ?? "")?.[1];
  assert.ok(inner, `the hostname variable is not a query_result(): ${variable?.query}`);
  const samples = await instantQuery(fleet, substituteVariables(inner, values), time);
  return variableOptions(
    samples.map((sample) => queryResultText(sample.metric, String(sample.value), time)),
    variable?.regex,
  );
}

function variants(): { name: string; options: DashboardOptions }[] {
  return [
    { name: "recording rules", options: { source: "recorded", thresholds: thresholds() } },
    { name: "raw series", options: { source: "raw", thresholds: thresholds() } },
  ];
}

const key = (query: Pick<PanelQuery, "dashboardUid" | "panelTitle" | "refId">) =>
  `${query.dashboardUid} / ${query.panelTitle} / ${query.refId}`;

function nearestRankQuantile(values: readonly number[], quantile: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(quantile * sorted.length) - 1)]!;
}

function bucketWidth(edges: readonly number[], value: number): number {
  let lower = 0;
  for (const edge of edges) {
    if (value <= edge) return edge - lower;
    lower = edge;
  }
  return Number.POSITIVE_INFINITY;
}

describe("dashboards against a real Prometheus scraping the simulator and node_exporter", () => {
  let fleet: Fleet | undefined;
  let dir = "";
  let evalTime = 0;
  /** After the load stopped and every request finished: the accuracy checks compare at this time. */
  let settledTime = 0;
  const truth = new Map<MetricsVersion, TruthRecord[]>();

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "dashboards-it-"));
    fleet = await startFleet(
      {
        versions: METRICS_VERSIONS,
        // why: every optional feature on (speculative decoding, LoRA, MFU counters, KV block residency, NIXL plus offloading,
        // multimodal inputs, an admission cap), so their panels are proven with data too.
        simulator: {
          instances: 2,
          engines: 2,
          model: MODELS,
          seed: 11,
          load: "steady",
          maxModelLen: MAX_MODEL_LEN,
          speculativeTokens: 3,
          loraAdapters: 3,
          enableMfuMetrics: true,
          kvCacheMetrics: true,
          kvConnector: "multi",
          multimodal: true,
          maxNumQueuedReqs: 64,
        },
        truth: true,
        nvidiaSmiGpus: true,
      },
      dir,
    );
    // why: nvidia_gpu_exporter's Xid counter has no series until a GPU reports one.
    fleet.nvidiaSmiSimulator?.gpuFaults?.xid(0, 79);
    fleet.nvidiaSmiSimulator?.gpuFaults?.xid(1, 13);
    await fleet.prometheus.waitForScrapes(2);
    const running = fleet;
    await waitUntil(
      async () => {
        const finished = await running.prometheus.query(`sum by (job) (${vllm.requestSuccess.name})`);
        return METRICS_VERSIONS.every(
          (version) => (finished.find((sample) => sample.metric.job === vllmJob(version))?.value ?? 0) >= FINISHED_REQUESTS,
        );
      },
      { what: `${FINISHED_REQUESTS} finished requests on every version line`, timeoutMs: 120_000, intervalMs: 1_000 },
    );
    evalTime = Date.now() / 1000;
    // why: a request's first token is counted when it comes, its truth written when it finishes; with
    // the load stopped and every request finished, the histograms and the truth files hold the same requests.
    await Promise.all([...fleet.simulators.values()].map((simulator) => simulator.drain()));
    await fleet.prometheus.waitForScrapes(2);
    // why: one more rule evaluation after the last scrape, so the recorded series hold the final counts too.
    await sleep(1_500);
    settledTime = Date.now() / 1000;
    await fleet.closeSimulators();
    for (const version of METRICS_VERSIONS) {
      const text = await readFile(fleet.truthFile(version), "utf8");
      truth.set(
        version,
        text
          .split("\n")
          .filter(Boolean)
          .map((line) => JSON.parse(line) as TruthRecord),
      );
    }
  });

  after(async () => {
    await fleet?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test("returns nvidia_gpu_exporter data in every GPU panel of the Machine overview, with that job and its GPU host picked as in Grafana", async () => {
    const running = fleet!;
    const gpuFamilies = [...Object.values(dcgm), ...Object.values(nvidiaSmi)];
    for (const variant of variants()) {
      const dashboard = machineOverviewDashboard(variant.options);
      const job = regexVariableValue([NVIDIA_SMI_GPU_JOB]);
      const hosts = await gpuHostOptions(running, dashboard, { ...allSelectedValues("10s"), job }, evalTime);
      assert.deepEqual(hosts, ["127.0.0.1"], "nvidia_gpu_exporter has no host label: the host is the scrape target's");
      const values = { ...allSelectedValues("10s"), job, hostname: regexVariableValue(hosts) };
      const gpuQueries = dashboardQueries(dashboard).filter((query) => readsAny(query.expr, gpuFamilies));
      const dcgmOnly = gpuQueries.filter((query) => !readsAny(query.expr, Object.values(nvidiaSmi)));
      assert.deepEqual(dcgmOnly.map(key).sort(), Object.keys(DCGM_ONLY).sort());
      for (const query of gpuQueries.filter((item) => !dcgmOnly.includes(item))) {
        const range = GPU_PANEL_RANGES[query.panelTitle];
        assert.ok(range, `${key(query)}: a GPU panel without an expected range here; add one`);
        const results = await instantQuery(running, substituteVariables(query.expr, values), evalTime);
        // why: one series per GPU; each nvidia-smi GPU got one Xid, so one count per GPU and code.
        assert.equal(results.length, 2, `${variant.name} ${key(query)}: one series per simulated GPU, got ${JSON.stringify(results)}`);
        for (const sample of results) {
          assert.equal(sample.metric.job, NVIDIA_SMI_GPU_JOB);
          assert.equal(sample.metric.hostname, "127.0.0.1", `${key(query)}: the legend's {{hostname}}`);
          assert.match(sample.metric.uuid ?? "", /^[0-9a-f-]{36}$/, `${key(query)}: the legend's {{uuid}}`);
          assert.ok(
            sample.value >= range[0] && sample.value <= range[1],
            `${variant.name} ${key(query)}: ${sample.value} outside ${range.join("–")}`,
          );
        }
      }
      // why: a ratio left unscaled would still fit 0–100; compare busy % with the exporter's own ratio.
      const busy = await instantQuery(
        running,
        substituteVariables(gpuQueries.find((query) => query.panelTitle === "GPU utilisation")!.expr, values),
        evalTime,
      );
      const ratios = await instantQuery(running, `${nvidiaSmi.utilizationGpuRatio.name}{job="${NVIDIA_SMI_GPU_JOB}"}`, evalTime);
      assert.equal(busy.length, ratios.length);
      for (const ratio of ratios) {
        const percent = busy.find((sample) => sample.metric.uuid === ratio.metric.uuid)?.value ?? Number.NaN;
        assert.ok(
          Math.abs(percent - ratio.value * 100) < 1e-9,
          `GPU ${ratio.metric.uuid}: busy ${percent} % for a ratio of ${ratio.value}`,
        );
      }
    }
  });

  test("shows dcgm-exporter (hostname and Hostname) and nvidia_gpu_exporter GPUs side by side when every job and GPU host is selected", async () => {
    const running = fleet!;
    const dashboard = machineOverviewDashboard({ source: "recorded", thresholds: thresholds() });
    const hosts = await gpuHostOptions(running, dashboard, allSelectedValues("10s"), evalTime);
    assert.deepEqual(hosts, [...new Set([hostname(), "127.0.0.1"])].sort());
    const expectedJobs = [...METRICS_VERSIONS.map(gpuJob), NVIDIA_SMI_GPU_JOB].sort();
    const nvidiaCapable = dashboardQueries(dashboard).filter((query) => readsAny(query.expr, Object.values(nvidiaSmi)));
    assert.equal(new Set(nvidiaCapable.map((query) => query.panelTitle)).size, Object.keys(GPU_PANEL_RANGES).length);
    for (const query of nvidiaCapable) {
      const results = await instantQuery(running, substituteVariables(query.expr, allSelectedValues("10s")), evalTime);
      assert.deepEqual(
        [...new Set(results.map((sample) => sample.metric.job))].sort(),
        exportersAnswering(query, expectedJobs).sort(),
        key(query),
      );
      assert.ok(
        results.every((sample) => (sample.metric.hostname ?? "") !== ""),
        `${key(query)}: every GPU has a host for the legend`,
      );
    }
  });

  test("stacks queue, prefill and decode to the mean end-to-end latency, and prefill plus decode to the inference time, on every version", async () => {
    const running = fleet!;
    for (const variant of variants()) {
      const phases = dashboardFiles(variant.options)
        .flatMap((file) => dashboardQueries(file.dashboard))
        .filter((query) => query.panelTitle === "Where the time goes (mean per request)");
      assert.deepEqual(
        phases.map((query) => query.refId),
        ["A", "B", "C", "D", "E"],
        "queue, prefill, decode, inference, end-to-end",
      );
      for (const version of METRICS_VERSIONS) {
        // why: a window longer than the run averages over every finished request.
        const means = await Promise.all(
          phases.map(async (query) => instantQuery(running, substituteVariables(query.expr, versionValues(version, "1h")), evalTime)),
        );
        for (const model of MODELS) {
          const [queue, prefill, decode, inference, e2e] = means.map(
            (samples) => samples.find((sample) => sample.metric.model_name === model)?.value ?? Number.NaN,
          );
          const stacked = queue! + prefill! + decode!;
          assert.ok(
            Math.abs(stacked - e2e!) <= 0.05 * e2e!,
            `${variant.name} ${version} ${model}: queue ${queue} + prefill ${prefill} + decode ${decode} = ${stacked}, E2E ${e2e}`,
          );
          assert.ok(
            Math.abs(prefill! + decode! - inference!) <= 0.05 * inference!,
            `${variant.name} ${version} ${model}: prefill + decode ${prefill! + decode!}, inference ${inference}`,
          );
        }
      }
    }
  });

  for (const version of METRICS_VERSIONS) {
    for (const variant of variants()) {
      test(`returns data for every panel query against vLLM ${version} (${variant.name}), except the allow-listed ones`, async () => {
        const running = fleet!;
        const queries = dashboardFiles(variant.options).flatMap((file) => dashboardQueries(file.dashboard));
        const empty: string[] = [];
        for (const query of queries) {
          const result = await instantQuery(running, substituteVariables(query.expr, versionValues(version, "10s")), evalTime);
          if (result.length === 0) empty.push(key(query));
        }
        const allowed = NO_DATA_ALLOWLIST.filter((entry) => entry.versions.includes(version)).map(key);
        assert.deepEqual(empty.sort(), [...allowed].sort());
      });
    }

    test(`reads p95 TTFT and E2E of vLLM ${version} within one bucket of the simulator's ground truth`, async (t) => {
      const running = fleet!;
      const records = truth.get(version) ?? [];
      const spec = metricsVersionSpec(version, { maxModelLen: MAX_MODEL_LEN });
      const edgesOf = (source: string) => spec.families.find((item) => item.source === source)?.family.buckets ?? [];
      const checks = [
        {
          panel: "Time to first token",
          source: "ttft" as const,
          observedAt: (r: TruthRecord) => r.arrival + (r.ttft ?? Number.NaN),
          value: (r: TruthRecord) => r.ttft,
        },
        {
          panel: "End-to-end latency",
          source: "e2e" as const,
          observedAt: (r: TruthRecord) => r.arrival + r.e2e,
          value: (r: TruthRecord) => r.e2e,
        },
      ];
      for (const variant of variants()) {
        const queries = dashboardFiles(variant.options).flatMap((file) => dashboardQueries(file.dashboard));
        for (const check of checks) {
          const p95 = queries.find((query) => query.panelTitle === check.panel && query.expr.startsWith("histogram_quantile(0.95,"));
          assert.ok(p95, `no p95 query on ${check.panel}`);
          // why: a window longer than the run makes the dashboard's rate cover every scraped observation.
          const results = await instantQuery(running, substituteVariables(p95.expr, versionValues(version, "1h")), settledTime);
          assert.deepEqual(results.map((sample) => sample.metric.model_name).sort(), [...MODELS].sort());
          const asOf = await recordedAsOf(running, p95.expr, settledTime);
          const visible = await visibleToRate(running, version, check.source, asOf, variant.options.source === "recorded" ? 300 : 3600);
          for (const sample of results) {
            const observed = records
              .filter((record) => record.model === sample.metric.model_name)
              .filter((record) => check.value(record) !== null && visible(record, check.observedAt(record)))
              .map((record) => check.value(record) as number);
            assert.ok(observed.length >= 20, `${version} ${sample.metric.model_name}: only ${observed.length} requests in the truth file`);
            const truthP95 = nearestRankQuantile(observed, 0.95);
            const width = bucketWidth(edgesOf(check.source), truthP95);
            t.diagnostic(
              `${variant.name} ${check.source} ${sample.metric.model_name}: dashboard ${sample.value.toFixed(4)}s, truth ${truthP95.toFixed(4)}s (n=${observed.length}), bucket width ${width}s`,
            );
            assert.ok(
              Math.abs(sample.value - truthP95) <= width,
              `${variant.name} ${check.panel} p95 of ${sample.metric.model_name} on ${version}: dashboard ${sample.value.toFixed(4)}s, truth ${truthP95.toFixed(4)}s, bucket width ${width}s`,
            );
          }
        }
      }
    });
  }
});
