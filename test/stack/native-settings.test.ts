import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isUserError } from "../../src/errors.js";
import { locateBinaries } from "../../src/stack/native/binaries.js";
import { nativePorts } from "../../src/stack/native/settings.js";

function problemsOf(action: () => unknown): readonly string[] {
  try {
    action();
  } catch (error) {
    if (isUserError(error)) return error.problems;
    throw error;
  }
  assert.fail("expected a UserError");
}

function fakeBin(dir: string, name: string): string {
  const path = join(dir, name);
  writeFileSync(path, "#!/bin/sh\nexit 0\n");
  chmodSync(path, 0o755);
  return path;
}

describe("native ports", () => {
  test("uses each program's well-known port when nothing is set", () => {
    assert.deepEqual(nativePorts({}), { prometheus: 9090, grafana: 3000, nodeExporter: 9100, alertmanager: 9093, simulator: 8000, simulatorGpu: 9400 });
  });

  test("lists every bad port and every port used twice at once, by variable name", () => {
    const problems = problemsOf(() => nativePorts({ PROMETHEUS_PORT: "90x", NODE_EXPORTER_PORT: "70000", SIMULATOR_PORT: "3000" }));
    assert.equal(problems.length, 3);
    assert.match(problems[0] ?? "", /^PROMETHEUS_PORT=90x is not a TCP port/);
    assert.match(problems[1] ?? "", /^NODE_EXPORTER_PORT=70000/);
    assert.match(problems[2] ?? "", /SIMULATOR_PORT and GRAFANA_PORT are both 3000/);
  });
});

describe("finding the native programs", () => {
  test("says how to install Prometheus when it is neither on PATH nor in PROMETHEUS_BIN", () => {
    const empty = mkdtempSync(join(tmpdir(), "no-bin-"));
    const problems = problemsOf(() => locateBinaries({ PATH: empty }));
    assert.match(problems[0] ?? "", /Prometheus is not installed/);
    assert.ok(problems.some((problem) => problem.includes("apt-get install prometheus")));
    assert.ok(problems.some((problem) => problem.includes("prometheus.io/download")));
    assert.ok(problems.some((problem) => problem.includes("PROMETHEUS_BIN")));
  });

  test("prefers *_BIN variables over PATH and treats the exporters as optional", () => {
    const dir = mkdtempSync(join(tmpdir(), "bins-"));
    const onPath = fakeBin(dir, "prometheus");
    const other = mkdtempSync(join(tmpdir(), "bins-"));
    const explicit = fakeBin(other, "my-prometheus");
    const exporter = fakeBin(dir, "prometheus-node-exporter");
    const found = locateBinaries({ PATH: dir, PROMETHEUS_BIN: explicit });
    assert.deepEqual(found.prometheus, { path: explicit, source: "PROMETHEUS_BIN" });
    assert.deepEqual(found.nodeExporter, { path: exporter, source: "PATH" });
    assert.equal(found.alertmanager, undefined);
    assert.equal(found.grafana, undefined);
    assert.equal(locateBinaries({ PATH: dir }).prometheus.path, onPath);
  });

  test("reports a *_BIN variable that names no executable together with the other problems", () => {
    const empty = mkdtempSync(join(tmpdir(), "no-bin-"));
    const problems = problemsOf(() => locateBinaries({ PATH: empty, PROMETHEUS_BIN: "/nowhere/prometheus", ALERTMANAGER_BIN: "/nowhere/am" }));
    assert.equal(problems.length, 2);
    assert.match(problems[0] ?? "", /^PROMETHEUS_BIN=\/nowhere\/prometheus is not an executable file/);
    assert.match(problems[1] ?? "", /^ALERTMANAGER_BIN=/);
  });

  test("finds Grafana in GRAFANA_HOME and runs its `server` subcommand from that home", () => {
    const home = mkdtempSync(join(tmpdir(), "grafana-home-"));
    const bins = mkdtempSync(join(tmpdir(), "bins-"));
    fakeBin(bins, "prometheus");
    mkdirSync(join(home, "bin"));
    mkdirSync(join(home, "conf"));
    writeFileSync(join(home, "conf", "defaults.ini"), "");
    fakeBin(join(home, "bin"), "grafana");
    const found = locateBinaries({ PATH: bins, GRAFANA_HOME: home });
    assert.deepEqual(found.grafana, { path: join(home, "bin", "grafana"), source: "GRAFANA_HOME", homePath: home, style: "grafana server" });
  });
});

