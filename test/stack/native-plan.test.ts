import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { parse } from "yaml";
import { loadSettings } from "../../src/config/load.js";
import { Secret } from "../../src/config/secret.js";
import { isUserError } from "../../src/errors.js";
import type { NativeBinaries } from "../../src/stack/native/binaries.js";
import { nativePaths } from "../../src/stack/native/paths.js";
import { DEMO_FEATURES, grafanaSpec, planNativeProcesses, type NativePlanInput } from "../../src/stack/native/plan.js";

const paths = nativePaths("/work/site", "build", { dataDir: "/data/site", demo: true });
const password = new Secret("ADMIN_PASSWORD", "grafana-admin-pw");
const admin = { user: new Secret("ADMIN_USER", "admin"), password };

/** Settings from these variables alone; `VLLM_TARGET` set means not demo mode. */
const settingsWith = (environment: Record<string, string> = {}) => loadSettings({ cwd: "/nonexistent-folder", environment });

function input(binaries: Partial<NativeBinaries>, demo = true, environment: Record<string, string> = {}): NativePlanInput {
  return {
    binaries: { prometheus: { path: "/usr/bin/prometheus", source: "PATH" }, ...binaries },
    settings: settingsWith(demo ? environment : { VLLM_TARGET: "gpu-1:8000", ...environment }),
    paths,
    cli: { command: "/usr/bin/node", args: ["/pkg/dist/cli/main.js"] },
    alertmanagerConfig: "/pkg/alertmanager/alertmanager.yml",
    grafanaAdmin: admin,
  };
}

describe("native process plan", () => {
  test("starts Prometheus first, so it scrapes the simulator as soon as it answers, and leaves the simulator out with a real target", () => {
    assert.deepEqual(
      planNativeProcesses(input({})).map((spec) => spec.name),
      ["prometheus", "simulator", "viewer"],
    );
    assert.deepEqual(
      planNativeProcesses(input({}, false)).map((spec) => spec.name),
      ["prometheus", "viewer"],
    );
  });

  test("runs Prometheus on 127.0.0.1 with the rendered config, a kept TSDB and the lifecycle API", () => {
    const prometheus = planNativeProcesses(input({})).find((spec) => spec.name === "prometheus");
    assert.ok(prometheus);
    assert.deepEqual(prometheus.args, [
      "--config.file=/work/site/build/prometheus/prometheus.yml",
      "--web.listen-address=127.0.0.1:9090",
      "--storage.tsdb.path=/data/site/demo/prometheus-data",
      "--storage.tsdb.retention.time=15d",
      "--web.enable-lifecycle",
    ]);
    assert.deepEqual(prometheus.ports, [{ port: 9090, variable: "PROMETHEUS_PORT" }]);
  });

  test("adds node_exporter and Alertmanager only when installed, each on 127.0.0.1 without clustering", () => {
    const specs = planNativeProcesses(
      input({
        nodeExporter: { path: "/usr/bin/prometheus-node-exporter", source: "PATH" },
        alertmanager: { path: "/usr/bin/prometheus-alertmanager", source: "PATH" },
      }),
    );
    assert.deepEqual(
      specs.map((spec) => spec.name),
      ["prometheus", "simulator", "node-exporter", "alertmanager", "viewer"],
    );
    assert.deepEqual(specs[2]?.args, ["--web.listen-address=127.0.0.1:9100", "--no-collector.systemd"]);
    assert.ok(specs[3]?.args.includes("--cluster.listen-address="));
    assert.ok(specs[3]?.args.includes("--web.listen-address=127.0.0.1:9093"));
  });

  test("takes each port from its variable, and refuses two processes on one port naming both variables", () => {
    const moved = planNativeProcesses(
      input({ nodeExporter: { path: "/usr/bin/node_exporter", source: "PATH" } }, true, {
        PROMETHEUS_PORT: "19090",
        NODE_EXPORTER_PORT: "19100",
      }),
    );
    assert.deepEqual(
      moved.map((spec) => spec.ports[0]?.port),
      [19090, 8000, 19100, 3000],
    );
    assert.throws(
      () =>
        planNativeProcesses(input({ nodeExporter: { path: "/usr/bin/node_exporter", source: "PATH" } }, true, { PROMETHEUS_PORT: "9100" })),
      (error: unknown) => isUserError(error) && /NODE_EXPORTER_PORT and PROMETHEUS_PORT are both 9100/.test(error.message),
    );
  });

  test("serves the built-in viewer on Grafana's port, reading this stack's Prometheus, when no Grafana is installed", () => {
    const viewer = planNativeProcesses(input({})).find((spec) => spec.name === "viewer");
    assert.deepEqual(viewer?.args.slice(0, 6), [
      "/pkg/dist/cli/main.js",
      "view",
      "--prometheus",
      "http://127.0.0.1:9090",
      "--port",
      "3000",
    ]);
    assert.deepEqual(viewer?.ports, [{ port: 3000, variable: "GRAFANA_PORT" }]);
  });

  test("tells the viewer the stack's scrape interval, so its panels step and rate over it", () => {
    const viewerArgs = (environment: Record<string, string>) =>
      planNativeProcesses(input({}, false, environment)).find((spec) => spec.name === "viewer")?.args ?? [];
    const flagValue = (args: readonly string[]) => args[args.indexOf("--scrape-interval") + 1];
    assert.equal(flagValue(viewerArgs({ SCRAPE_INTERVAL: "10s" })), "10s");
    assert.equal(flagValue(viewerArgs({})), "5s");
  });

  test("runs the simulator through the package's own CLI with both of its ports", () => {
    const simulator = planNativeProcesses(input({})).find((spec) => spec.name === "simulator");
    assert.equal(simulator?.command, "/usr/bin/node");
    assert.deepEqual(simulator?.args, [
      "/pkg/dist/cli/main.js",
      "simulate",
      "--host",
      "127.0.0.1",
      "--port",
      "8000",
      "--gpu-port",
      "9400",
      "--load",
      "steady",
      ...DEMO_FEATURES,
    ]);
    assert.deepEqual(
      simulator?.ports.map((use) => use.variable),
      ["SIMULATOR_PORT", "SIMULATOR_GPU_PORT"],
    );
  });

  test("the native demo's simulator switches on what docker-compose.yml's demo simulator does", async () => {
    const compose = parse(await readFile("docker-compose.yml", "utf8")) as { services: { simulator: { command: string[] } } };
    const command = compose.services.simulator.command;
    assert.deepEqual(command.slice(command.indexOf("--load") + 2), [...DEMO_FEATURES]);
  });
});

// Grafana cannot be installed here: these tests check the command line and environment only (mock install).
describe("native Grafana command line (mock install, Grafana not run here)", () => {
  const mockGrafana = {
    path: "/opt/grafana/bin/grafana",
    source: "GRAFANA_HOME",
    homePath: "/opt/grafana",
    style: "grafana server" as const,
  };

  test("provisions Grafana from the rendered files and binds it to 127.0.0.1 on GRAFANA_PORT", () => {
    const spec = grafanaSpec(mockGrafana, admin, input({}, true, { GRAFANA_PORT: "3333" }));
    assert.deepEqual(spec.args, ["server", "--homepath", "/opt/grafana"]);
    assert.equal(spec.env.GF_PATHS_PROVISIONING, "/work/site/build/grafana/provisioning");
    assert.equal(spec.env.GF_SERVER_HTTP_ADDR, "127.0.0.1");
    assert.equal(spec.env.GF_SERVER_HTTP_PORT, "3333");
    assert.equal(spec.env.GF_AUTH_ANONYMOUS_ENABLED, "false");
    assert.equal(spec.readyUrl, "http://127.0.0.1:3333/api/health");
  });

  test("hands the admin password to Grafana only through its environment, never its arguments", () => {
    const spec = grafanaSpec({ ...mockGrafana, path: "/usr/sbin/grafana-server", style: "grafana-server" }, admin, input({}));
    assert.equal(spec.env.GF_SECURITY_ADMIN_PASSWORD, "grafana-admin-pw");
    assert.equal(spec.env.GF_SECURITY_ADMIN_USER, "admin");
    assert.ok(!spec.args.some((arg) => arg.includes("grafana-admin-pw")));
    assert.equal(spec.args[0], "--homepath");
  });
});
