import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { stringify } from "yaml";
import { processCollector } from "../../src/catalog/index.js";
import { defaultValue } from "../../src/config/schema.js";
import { INSTANCES_UID, instancesDashboard, userOverviewDashboard, type DashboardModel } from "../../src/mixin/dashboards/index.js";
import { allSelectedValues, dashboardAnnotations, dashboardQueries, substituteVariables } from "../../src/mixin/dashboards/inspect.js";
import { ALL_TARGETS, buildMixin, defaultThresholdInputs, thresholds } from "../../src/mixin/index.js";
import { waitUntil } from "../../src/process/index.js";
import { metricRelabelDrops } from "../../src/mixin/rules/index.js";
import { startSimulator, type RunningSimulator } from "../../src/simulator/index.js";
import { startPrometheus, type RunningPrometheus } from "../helpers/prometheus.js";
import { ruleFileText } from "../../src/render/rule-file-text.js";

const FOR_SCALE = 0.02;
/** A scrape job that drops process_* as a vLLM with several API processes never exports them. */
const MULTIPROCESS_JOB = "vllm-multiprocess";

// Real processes: Prometheus 2.42 with our rules (their `for:` scaled down), scraping simulators.
describe("dashboard annotations and the uptime column against a real Prometheus", () => {
  let prometheus: RunningPrometheus;
  let simulator: RunningSimulator;
  let gpus: RunningSimulator;
  let port = 0;
  const options = { source: "raw" as const, thresholds: thresholds() };

  before(async () => {
    simulator = await startSimulator({ load: "burst", engines: 2, seed: 12 });
    gpus = await startSimulator({ load: "idle", gpuPort: 0, gpus: 2, seed: 14 });
    port = Number(new URL(simulator.urls[0]!).port);
    const mixin = buildMixin({
      thresholds: thresholds({ ...defaultThresholdInputs(), forScale: FOR_SCALE }),
      runbookBaseUrl: defaultValue("RUNBOOK_BASE_URL"),
      selectors: ALL_TARGETS,
    });
    const files = Object.fromEntries(mixin.ruleFiles.map((file) => [file.fileName, ruleFileText(file)]));
    prometheus = await startPrometheus({
      config: (dir) =>
        stringify({
          global: { scrape_interval: "1s", evaluation_interval: "1s" },
          rule_files: Object.keys(files).map((name) => `${dir}/${name}`),
          scrape_configs: [
            { job_name: "vllm", metric_relabel_configs: metricRelabelDrops(), static_configs: [{ targets: [`127.0.0.1:${port}`] }] },
            {
              job_name: MULTIPROCESS_JOB,
              metric_relabel_configs: [...metricRelabelDrops(), { source_labels: ["__name__"], regex: "process_.+", action: "drop" }],
              static_configs: [{ targets: [`127.0.0.1:${port}`] }],
            },
            { job_name: "gpu", static_configs: [{ targets: [new URL(gpus.gpuUrl!).host] }] },
          ],
        }),
      files,
    });
    await prometheus.waitForScrapes(3);
  });

  after(async () => {
    await simulator?.close();
    await gpus?.close();
    await prometheus?.stop();
  });

  const values = () => allSelectedValues("3s");
  let restartedAt = 0;

  /** What Grafana asks for an annotation: a range query over the dashboard's time; each series with a point is an event. */
  const events = async (expr: string, fromSeconds: number): Promise<Record<string, string>[]> => {
    const url = `${prometheus.url}/api/v1/query_range?query=${encodeURIComponent(expr)}&start=${fromSeconds}&end=${Date.now() / 1000}&step=1`;
    const body = (await (await fetch(url, { signal: AbortSignal.timeout(10_000) })).json()) as {
      status: string;
      error?: string;
      data: { result: { metric: Record<string, string> }[] };
    };
    if (body.status !== "success") throw new Error(`${expr}: ${body.error}`);
    return body.data.result.map((series) => series.metric);
  };
  const annotation = (dashboard: DashboardModel, name: string) => {
    const found = dashboardAnnotations(dashboard).find((item) => item.name === name);
    assert.ok(found, `no ${name} annotation`);
    return substituteVariables(found.expr, values());
  };

  test("marks a vLLM server restart in the User overview and the Instances dashboard, also where process_* series are dropped", async () => {
    const restarts = annotation(userOverviewDashboard(options), "vLLM restarts");
    assert.equal(restarts, annotation(instancesDashboard(options), "vLLM restarts"));
    const began = Date.now() / 1000 - 60;
    assert.deepEqual(await events(restarts, began), [], "no restart before the server restarts");
    // why: a new simulator on the same port is a restarted server: its counters start again from zero.
    await waitUntil(async () => (await prometheus.query(`sum(vllm:generation_tokens_total{job="vllm"})`))[0]?.value! > 50, {
      what: "tokens before the restart",
      timeoutMs: 20_000,
      intervalMs: 250,
    });
    await simulator.close();
    simulator = await startSimulator({ load: "burst", engines: 2, port, seed: 13 });
    restartedAt = Date.now() / 1000;
    let found: Record<string, string>[] = [];
    await waitUntil(
      async () => {
        found = await events(restarts, began);
        return found.length === 2;
      },
      { what: "a restart event for both scrape jobs of the server", timeoutMs: 30_000, intervalMs: 500 },
    );
    assert.deepEqual(found.map((event) => event.job).sort(), ["vllm", MULTIPROCESS_JOB].sort());
    assert.ok(found.every((event) => event.instance === `127.0.0.1:${port}`));
  });

  test("shows an uptime for every server and engine, since the last counter reset where process_start_time_seconds is missing", async () => {
    const uptime = dashboardQueries(instancesDashboard(options)).find(
      (query) => query.dashboardUid === INSTANCES_UID && query.panelTitle === "Every server and engine" && query.refId === "I",
    );
    assert.ok(uptime, "the table's ninth column is the uptime");
    const rows = await prometheus.query(substituteVariables(uptime.expr, values()));
    const byJob = (job: string) => rows.filter((row) => row.metric.job === job);
    assert.deepEqual(
      byJob(MULTIPROCESS_JOB)
        .map((row) => row.metric.engine)
        .sort(),
      ["0", "1"],
    );
    assert.deepEqual(
      byJob("vllm")
        .map((row) => row.metric.engine)
        .sort(),
      ["0", "1"],
    );
    const started = (await prometheus.query(`${processCollector.startTimeSeconds.name}{job="vllm"}`))[0]!.value;
    const processAge = Date.now() / 1000 - started;
    for (const row of byJob("vllm"))
      assert.ok(Math.abs(row.value - processAge) < 5, `uptime ${row.value} s from the process start ${processAge} s ago`);
    // why: the server restarted in the previous test (in this same process, so its process start did not move); the fallback sees the counter reset.
    const sinceRestart = Date.now() / 1000 - restartedAt;
    for (const row of byJob(MULTIPROCESS_JOB))
      assert.ok(Math.abs(row.value - sinceRestart) < 8, `fallback uptime ${row.value} s, restarted ${sinceRestart} s ago`);
  });

  test("marks a firing alert: an injected Xid fires GpuXidError end to end", async () => {
    const firing = annotation(userOverviewDashboard(options), "Firing alerts");
    assert.equal(firing, annotation(instancesDashboard(options), "Firing alerts"));
    const began = Date.now() / 1000;
    assert.deepEqual(
      (await events(firing, began - 60)).filter((event) => event.alertname === "GpuXidError"),
      [],
    );
    gpus.gpuFaults!.xid(1, 79);
    let found: Record<string, string>[] = [];
    await waitUntil(
      async () => {
        found = (await events(firing, began)).filter((event) => event.alertname === "GpuXidError");
        return found.length > 0;
      },
      { what: "GpuXidError firing", timeoutMs: 30_000, intervalMs: 500 },
    );
    assert.deepEqual(
      found.map((event) => [event.xid, event.gpu, event.severity]),
      [["79", "1", "critical"]],
    );
  });
});
