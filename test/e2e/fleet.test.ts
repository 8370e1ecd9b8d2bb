/**
 * The fleet recipe with real processes: native agents (Debian's Prometheus 2.42 in agent mode,
 * node_exporter, simulators with GPU pages) remote-writing into Debian's VictoriaMetrics, vmalert
 * running our rules against it, a store outage, and a receiver that rejects the credentials.
 * The three scenarios run side by side (the outage lasts 20 s, four times remote write's longest retry backoff of 5 s);
 * so every CLI call is a real process (in-process calls swap process.env and must not overlap).
 */
import { describe, test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { dcgm, nvidiaSmi, scrape } from "../../src/catalog/index.js";
import { dashboardFiles, MACHINE_OVERVIEW_UID, type DashboardModel } from "../../src/mixin/dashboards/index.js";
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
import { buildMixin, seriesReadByMixin, thresholds } from "../../src/mixin/index.js";
import { fetchRemoteWriteQueues } from "../../src/prometheus/client.js";
import { waitUntil } from "../../src/process/index.js";
import { OUTPUT_LAYOUT } from "../../src/render/layout.js";
import { AGGREGATES } from "../../src/promql/aggregates.js";
import { recordingRules } from "../../src/mixin/rules/index.js";
import { startSimulator, type RunningSimulator } from "../../src/simulator/index.js";
import { isAlive } from "../../src/stack/registry.js";
import { startReceiver } from "../helpers/receiver.js";
import { instantQuery, startVictoriaMetrics, startVmalert, type RunningVictoriaMetrics } from "../helpers/victoria-metrics.js";
import { createWorkspace, type Workspace } from "./harness.js";
import { describeEmpty, emptyPanels, rateIntervalFor, type EmptyPanel } from "./panels.js";

const SCRAPE_SECONDS = 1;
// why: long enough that the agent's queue retries at its longest backoff several times; 30 s proved no more and cost 10 s.
const OUTAGE_SECONDS = 20;

const hostOf = (url: string): string => new URL(url).host;
const key = (query: PanelQuery): string => `${query.dashboardUid} / ${query.panelTitle} / ${query.refId}`;

/** Adds a stop to the test's teardown. */
type Defer = (stop: () => Promise<unknown>) => void;

/**
 * The test's teardown, run last-started first (node runs `t.after` hooks in the order they were
 * added): an agent stops while the store or receiver it writes to still answers. Stopped the other
 * way round, each agent's Prometheus spends the supervisor's whole 10 s grace retrying its queue.
 */
function teardown(t: TestContext): Defer {
  const stops: (() => Promise<unknown>)[] = [];
  t.after(async () => {
    const errors: unknown[] = [];
    for (const stop of stops.reverse()) await stop().catch((error: unknown) => errors.push(error));
    if (errors.length > 0) throw errors[0];
  });
  return (stop) => void stops.push(stop);
}

/** Workspaces whose stacks are stopped by real `down` processes side by side, then removed (see the header). */
async function workspacesFor(defer: Defer, count: number): Promise<Workspace[]> {
  const workspaces = await Promise.all(Array.from({ length: count }, () => createWorkspace()));
  const stop = async (workspace: Workspace): Promise<void> => {
    if (workspace.recordedPids().length > 0) await workspace.runCliProcess(["down"]);
    await workspace.cleanup();
  };
  defer(() => Promise.all(workspaces.map(stop)));
  return workspaces;
}

/** A native agent in its own workspace, sending to `writeUrl`; `extra` adds or overrides variables. */
async function startAgent(defer: Defer, writeUrl: string, extra: Record<string, string>): Promise<Workspace> {
  const workspace = (await workspacesFor(defer, 1))[0]!;
  workspace.writeEnv({ PROMETHEUS_MODE: "agent", REMOTE_WRITE_URL: writeUrl, ...extra });
  const up = await workspace.runCliProcess(["up", "--native", "--detach"]);
  assert.equal(up.code, 0, up.output);
  return workspace;
}

/** file_sd groups that name the host of their targets through the `hostname` override. */
function targetsFile(workspace: Workspace, name: string, targets: readonly string[], hostname: string): string {
  const path = join(workspace.dir, name);
  writeFileSync(path, `${JSON.stringify([{ targets, labels: { hostname } }])}\n`);
  return path;
}

/** What the Machine overview's `hostname` variable offers, as Grafana computes it from `query_result()`. */
async function hostOptions(url: string, dashboard: DashboardModel): Promise<string[]> {
  const variable = dashboardVariable(dashboard, "hostname");
  const inner = /^query_result\((.*)\)$/s.exec(variable?.query ?? "")?.[1] ?? "";
  const time = Date.now() / 1000;
  const samples = await instantQuery(url, substituteVariables(inner, allSelectedValues()), time);
  return variableOptions(
    samples.map((sample) => queryResultText(sample.metric, String(sample.value), time)),
    variable?.regex,
  );
}

/** Waits until every panel query of both dashboards (this variant) returns data from the store. */
async function expectEveryPanelHasData(store: RunningVictoriaMetrics, source: "raw" | "recorded"): Promise<void> {
  let empty: EmptyPanel[] = [];
  let stillEmpty: EmptyPanel[] | undefined;
  await waitUntil(
    async () => {
      // why: until they have data only the queries empty last time are asked again (each full pass is hundreds of
      // queries); then a full pass, every query at one moment, has the last word.
      if (stillEmpty !== undefined) {
        stillEmpty = await emptyPanels(store.url, SCRAPE_SECONDS, source, stillEmpty);
        if (stillEmpty.length > 0) {
          empty = stillEmpty;
          return false;
        }
      }
      empty = await emptyPanels(store.url, SCRAPE_SECONDS, source);
      stillEmpty = empty;
      return empty.length === 0;
    },
    { what: `every ${source} panel query to return data from VictoriaMetrics`, timeoutMs: 90_000, intervalMs: 1_000 },
  ).catch(() => assert.fail(`${empty.length} ${source} panel queries return no data from VictoriaMetrics:\n${describeEmpty(empty)}`));
}

/** A stand-in Alertmanager for vmalert: records the alerts posted to /api/v2/alerts. */
async function startAlertSink(defer: Defer): Promise<{ url: string; alerts: { labels: Record<string, string> }[] }> {
  const alerts: { labels: Record<string, string> }[] = [];
  const server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk: Buffer) => (body += chunk.toString()));
    request.on("end", () => {
      if (request.url === "/api/v2/alerts" && body !== "") alerts.push(...(JSON.parse(body) as { labels: Record<string, string> }[]));
      response.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  defer(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, alerts };
}

describe("a fleet of native agents remote-writing into VictoriaMetrics", { concurrency: true }, () => {
  test("two hosts in one store: every panel has data, the hostname variable separates them, and vmalert runs our rules there until ScrapeTargetDown fires", async (t) => {
    const defer = teardown(t);
    const store = await startVictoriaMetrics();
    defer(() => store.remove());
    const simulators: RunningSimulator[] = [];
    defer(() => Promise.all(simulators.map((simulator) => simulator.close())));
    // Host A: dcgm-exporter's page, whose own `hostname` label is this machine's name; host B: nvidia-smi's, with none.
    // why: speculative decoding and LoRA on, so every optional panel is proven with data too.
    // why: the newest line with every optional feature on, so every panel (the optional rows too) has data.
    const features = {
      metricsVersion: "0.32",
      enableMfuMetrics: true,
      kvCacheMetrics: true,
      kvConnector: "multi",
      multimodal: true,
      maxNumQueuedReqs: 64,
    } as const;
    const started = (["dcgm", "nvidia-smi"] as const).map(async (gpuFormat, index) => {
      simulators[index] = await startSimulator({
        load: "steady",
        gpuPort: 0,
        gpuFormat,
        // why: dcgm-exporter after PR #655 writes `hostname`, which the target's hostname must replace (kept as exported_hostname, checked below).
        ...(gpuFormat === "dcgm" ? { gpuHostnameLabel: "hostname" as const } : {}),
        seed: index + 11,
        speculativeTokens: 3,
        loraAdapters: 2,
        ...features,
      });
    });
    await Promise.allSettled(started);
    await Promise.all(started);
    const hosts = ["host-a", "host-b"];
    const workspaces = await workspacesFor(defer, hosts.length);
    const sink = await startAlertSink(defer);
    // The central side, started while the agents come up: our rules (alert `for:` scaled down so the test need not wait minutes) in vmalert.
    const central = (async () => {
      const rulesDir = join(workspaces[0]!.dir, "central");
      const conf = await workspaces[0]!.runCliProcess(["conf", "rules", "--out", rulesDir], { env: { ALERT_FOR_SCALE: "0.02" } });
      assert.equal(conf.code, 0, conf.output);
      const vmalert = await startVmalert({
        rules: join(rulesDir, OUTPUT_LAYOUT.rulesDir, "*.yml"),
        store: store.url,
        notifierUrl: sink.url,
      });
      defer(() => vmalert.stop());
    })();
    const agentsUp = Promise.all(
      hosts.map(async (hostname, index) => {
        const simulator = simulators[index]!;
        const workspace = workspaces[index]!;
        // why: both "hosts" run on this machine, so the file_sd override gives each its own name.
        workspace.writeEnv({
          PROMETHEUS_MODE: "agent",
          REMOTE_WRITE_URL: store.writeUrl,
          REMOTE_WRITE_BEARER_TOKEN: `token-of-${hostname}`,
          MONITOR_NAME: `agent-${hostname}`,
          VLLM_TARGETS_FILE: targetsFile(workspace, "vllm.json", [hostOf(simulator.urls[0]!)], hostname),
          GPU_EXPORTER_TARGETS_FILE: targetsFile(workspace, "gpus.json", [hostOf(simulator.gpuUrl!)], hostname),
          NODE_EXPORTER_TARGETS_FILE: targetsFile(workspace, "nodes.json", [`127.0.0.1:${workspace.ports.nodeExporter}`], hostname),
        });
        const up = await workspace.runCliProcess(["up", "--native", "--detach"]);
        assert.equal(up.code, 0, up.output);
        return {
          hostname,
          workspace,
          instances: new Set([hostOf(simulator.urls[0]!), hostOf(simulator.gpuUrl!), `127.0.0.1:${workspace.ports.nodeExporter}`]),
        };
      }),
    );
    // why: both settle before either failure is thrown, so nothing they start is left out of the teardown.
    await Promise.allSettled([agentsUp, central]);
    const [agents] = await Promise.all([agentsUp, central]);
    const [agentA] = agents;
    assert.ok(agentA);
    const config = readFileSync(join(agentA.workspace.dir, "build", OUTPUT_LAYOUT.prometheusConfig), "utf8");
    assert.ok(!config.includes("token-of-host-a"), "the token is never inlined");
    assert.equal(statSync(join(agentA.workspace.dir, "build", OUTPUT_LAYOUT.remoteWriteTokenFile)).mode & 0o777, 0o600);
    // why: doctor runs while the panels fill (it only reads agent A and writes nothing to the store).
    const doctor = agentA.workspace.runCliProcess(["doctor"]);

    // Every query of every panel of both dashboards, raw and through vmalert's recordings.
    await expectEveryPanelHasData(store, "raw");
    await expectEveryPanelHasData(store, "recorded");
    assert.match(
      (await doctor).output,
      /✔ remote-write endpoint .* accepts a write with REMOTE_WRITE_BEARER_TOKEN \(HTTP 204\)/,
      "VictoriaMetrics takes doctor's empty write",
    );
    const recorded = await store.query('count by (hostname) ({__name__=~"instance:.+"})');
    assert.deepEqual(recorded.map((sample) => sample.metric.hostname).sort(), hosts, "vmalert wrote the recordings back, per host");
    // The per-host aggregates of the Fleet overview name each host as its vLLM and GPUs do (the file_sd override), not by the instance's address.
    for (const record of [AGGREGATES.hostCpuBusy, AGGREGATES.hostMemoryUsed, AGGREGATES.gpuPower]) {
      const perHost = await store.query(`count by (hostname) (${record})`);
      assert.deepEqual(perHost.map((sample) => sample.metric.hostname).sort(), hosts, `${record} per host`);
    }
    // Only what a dashboard or rule reads crossed the wire (plus what vmalert wrote back).
    const names = ((await (await fetch(`${store.url}/api/v1/label/__name__/values`)).json()) as { data: string[] }).data;
    const read = new Set(seriesReadByMixin(buildMixin()));
    const writtenBack = new Set(recordingRules(thresholds()).map((rule) => rule.record));
    assert.deepEqual(
      names.filter((name) => !read.has(name) && !writtenBack.has(name) && !name.startsWith("ALERTS")),
      [],
      "series nobody reads were sent",
    );
    const senders = await store.query(`count by (monitor) (${scrape.up.name})`);
    assert.deepEqual(
      senders.map((sample) => sample.metric.monitor).sort(),
      ["agent-host-a", "agent-host-b"],
      "each agent's external label names it",
    );

    // The hostname variable lists both hosts, and picking one shows that host's vLLM, GPUs and node_exporter only.
    for (const source of ["raw", "recorded"] as const) {
      const machine = dashboardFiles({ source, thresholds: thresholds() }).find(
        (file) => file.dashboard.uid === MACHINE_OVERVIEW_UID,
      )!.dashboard;
      const options = await hostOptions(store.url, machine);
      for (const hostname of hosts)
        assert.ok(options.includes(hostname), `the hostname variable offers ${hostname}: ${options.join(", ")}`);
      const gpuFamilies = [...Object.values(dcgm), ...Object.values(nvidiaSmi)].map((family) => family.name);
      for (const agent of agents) {
        const values = { ...allSelectedValues(rateIntervalFor(SCRAPE_SECONDS)), hostname: regexVariableValue([agent.hostname]) };
        for (const query of dashboardQueries(machine)) {
          const expr = substituteVariables(query.expr, values);
          let samples = await store.query(expr);
          // why: DCGM profiling (graphics engine active) has no nvidia-smi counterpart; host B's GPU page is nvidia-smi's.
          const dcgmOnly =
            gpuFamilies.some((name) => query.expr.includes(name)) &&
            !Object.values(nvidiaSmi).some((family) => query.expr.includes(family.name));
          // why: nvidia_gpu_exporter's Xid counter has no series until a GPU reports an Xid, and host B's GPUs reported none.
          const noXidYet = query.panelTitle === "Xid errors" && agent.hostname === "host-b";
          if (!(dcgmOnly && agent.hostname === "host-b") && !noXidYet) {
            // why: a scrape that times out on a busy machine leaves its target's series stale until the next scrape, a second later.
            if (samples.length === 0)
              await waitUntil(async () => (samples = await store.query(expr)).length > 0, {
                what: `${source} ${key(query)} for ${agent.hostname}`,
                timeoutMs: 5_000,
                intervalMs: 500,
              }).catch(() => undefined);
            assert.ok(samples.length > 0, `${source} ${key(query)} has no data for ${agent.hostname}`);
          }
          for (const sample of samples) {
            const { hostname, instance } = sample.metric;
            assert.ok(
              hostname === agent.hostname || (hostname === undefined && instance !== undefined && agent.instances.has(instance)),
              `${source} ${key(query)} for ${agent.hostname} shows ${JSON.stringify(sample.metric)}`,
            );
          }
        }
      }
    }
    // The dcgm page said this machine's name; the target's hostname replaced it and kept it as exported_hostname.
    const dcgmHosts = await store.query(`count by (hostname, exported_hostname) (${dcgm.gpuTemp.name})`);
    assert.deepEqual(
      dcgmHosts.map((sample) => sample.metric.hostname),
      ["host-a"],
    );
    assert.ok((dcgmHosts[0]?.metric.exported_hostname ?? "") !== "");

    // Host A's vLLM and GPU pages die: ScrapeTargetDown fires centrally, written back to the store and sent on.
    await simulators[0]!.close();
    simulators.shift();
    await waitUntil(
      async () => (await store.query('ALERTS{alertname="ScrapeTargetDown", alertstate="firing", hostname="host-a"}')).length >= 2,
      { what: "ScrapeTargetDown firing for host-a's vLLM and GPU targets in VictoriaMetrics", timeoutMs: 60_000, intervalMs: 1_000 },
    );
    assert.ok(
      sink.alerts.some(
        (alert) => alert.labels.alertname === "ScrapeTargetDown" && alert.labels.hostname === "host-a" && alert.labels.job === "vllm",
      ),
      "vmalert sent it to the notifier",
    );
    assert.deepEqual(await store.query('ALERTS{alertname="ScrapeTargetDown", hostname="host-b"}'), [], "host B's targets are up");
  });

  test(`the samples of a ${OUTAGE_SECONDS} s store outage arrive after VictoriaMetrics restarts: one per scrape of every series`, async (t) => {
    const began = Date.now();
    const defer = teardown(t);
    const store = await startVictoriaMetrics();
    defer(() => store.remove());
    // why: no simulator (the vLLM target is a free port): only the node job is counted, and the CPU goes to the rest of the suite.
    const agent = await startAgent(defer, store.writeUrl, { MONITOR_NAME: "agent-outage", VLLM_TARGET: "127.0.0.1:1" });
    const selector = '{job="node", monitor="agent-outage"}';
    await waitUntil(async () => (await store.query(selector)).length > 0, {
      what: "node series in VictoriaMetrics",
      timeoutMs: 60_000,
      intervalMs: 500,
    });

    t.diagnostic(`agent up and sending ${Math.round((Date.now() - began) / 1000)} s after the test began`);
    await store.stop();
    const stoppedAt = Date.now() / 1000;
    // The outage: until the agent's own queue says it is OUTAGE_SECONDS behind the newest scrape.
    await waitUntil(
      async () => {
        const queues = await fetchRemoteWriteQueues(agent.prometheusUrl);
        const behind = queues.reachable && queues.value.some((queue) => (queue.lagSeconds ?? 0) >= OUTAGE_SECONDS);
        return behind && Date.now() / 1000 - stoppedAt >= OUTAGE_SECONDS;
      },
      {
        what: `the agent's remote-write queue to fall ${OUTAGE_SECONDS} s behind`,
        timeoutMs: (OUTAGE_SECONDS + 60) * 1000,
        intervalMs: 1_000,
      },
    );
    const restartedAt = Date.now() / 1000;
    await store.start();

    const window = Math.floor(restartedAt - stoppedAt);
    const expected = window / SCRAPE_SECONDS;
    // why: VictoriaMetrics drops the name from count_over_time's output, so series of different names would collide; one name at a time.
    const names = (await store.query(`count by (__name__) (${selector})`, stoppedAt)).map((sample) => sample.metric.__name__ ?? "");
    assert.ok(names.length >= 5, `expected the node job's series names, got ${names.join(", ")}`);
    let off: string[] = [];
    let churned: string[] = [];
    const labelsOf = (metric: Record<string, string>) =>
      JSON.stringify(
        Object.entries(metric)
          .filter(([label]) => label !== "__name__")
          .sort(),
      );
    const present = async (name: string, at: number) =>
      new Set(
        (await store.query(`last_over_time(${name}${selector}[${2 * SCRAPE_SECONDS}s])`, at)).map((sample) => labelsOf(sample.metric)),
      );
    const countOutage = async (): Promise<boolean> => {
      // why: until the agent has caught up, the last shards' samples are still on their way.
      const queues = await fetchRemoteWriteQueues(agent.prometheusUrl);
      if (!queues.reachable || queues.value.some((queue) => (queue.lagSeconds ?? Number.POSITIVE_INFINITY) > 2 * SCRAPE_SECONDS))
        return false;
      off = [];
      churned = [];
      for (const name of names) {
        const counts = await store.query(`count_over_time(${name}${selector}[${window}s])`, restartedAt);
        if (counts.length === 0) off.push(`${name}: no samples`);
        // why: a series that began or ended inside the window (a container's veth device on a busy host) has fewer samples by right.
        const [before, after] = await Promise.all([present(name, stoppedAt), present(name, restartedAt)]);
        const lived = counts.filter((sample) => before.has(labelsOf(sample.metric)) && after.has(labelsOf(sample.metric)));
        if (counts.length > 0 && lived.length === 0) off.push(`${name}: no series lived through the outage`);
        for (const sample of counts) if (!lived.includes(sample)) churned.push(`${name}${JSON.stringify(sample.metric)}`);
        for (const sample of lived)
          if (Math.abs(sample.value - expected) > 1) off.push(`${name}${JSON.stringify(sample.metric)}: ${sample.value}`);
      }
      return off.length === 0;
    };
    // The backlog drains shard by shard after the restart: wait for it, bounded.
    await waitUntil(countOutage, { what: "the outage's samples to arrive", timeoutMs: 90_000, intervalMs: 2_000 }).catch(() => undefined);
    t.diagnostic(`outage ${window} s; the backlog had arrived ${Math.round(Date.now() / 1000 - restartedAt)} s after the restart`);
    if (churned.length > 0)
      t.diagnostic(`${churned.length} series began or ended during the outage and were not counted: ${churned.join(", ")}`);
    assert.deepEqual(off, [], `every series has ${expected} ± 1 samples in the ${window} s outage`);
  });

  test("a receiver that rejects the credentials: doctor says so, status shows the failing queue, scraping goes on", async (t) => {
    const defer = teardown(t);
    const receiver = await startReceiver(`Basic ${Buffer.from("fleet:right-password").toString("base64")}`);
    defer(() => receiver.close());
    const agent = await startAgent(defer, receiver.writeUrl, { REMOTE_WRITE_USERNAME: "fleet", REMOTE_WRITE_PASSWORD: "wrong-password" });

    let status = { code: -1, output: "" };
    await waitUntil(
      async () => {
        status = await agent.runCliProcess(["status"]);
        return /failing: the receiver rejected \d+ of \d+ samples/.test(status.output);
      },
      { what: "status to show the failing remote-write queue", timeoutMs: 60_000, intervalMs: 1_000 },
    ).catch(() => assert.fail(`status never showed the failing queue:\n${status.output}`));
    assert.equal(status.code, 1, status.output);
    assert.match(status.output, /prometheus\s+\d+\s+\d+\s+alive/);
    assert.doesNotMatch(status.output, /\bdead\b|\s+down\s+/, "every process lives and every target is up");
    assert.ok((receiver.answered.get(401) ?? 0) > 0);

    const doctor = await agent.runCliProcess(["doctor"]);
    assert.equal(doctor.code, 1, doctor.output);
    assert.match(
      doctor.output,
      /✖ remote-write endpoint .* rejects the credentials \(HTTP 401: unauthorized: bad credentials; sent: REMOTE_WRITE_USERNAME\/REMOTE_WRITE_PASSWORD\)/,
    );
    assert.match(doctor.output, /fix: check REMOTE_WRITE_USERNAME\/REMOTE_WRITE_PASSWORD/);
    assert.match(doctor.output, /✖ Prometheus's queue to .*: failing/);
    const fixed = await agent.runCliProcess(["doctor"], { env: { REMOTE_WRITE_PASSWORD: "right-password" } });
    assert.match(fixed.output, /✔ remote-write endpoint .* accepts a write with REMOTE_WRITE_USERNAME\/REMOTE_WRITE_PASSWORD \(HTTP 204\)/);
    for (const output of [status.output, doctor.output, fixed.output])
      assert.ok(!output.includes("wrong-password") && !output.includes("right-password"), "a password is never printed");
    for (const pid of agent.recordedPids()) assert.ok(isAlive(pid), `process ${pid} still runs`);
  });
});
