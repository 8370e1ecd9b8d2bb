import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadSettings } from "../../src/config/load.js";
import { isUserError } from "../../src/errors.js";
import { locateBinaries } from "../../src/stack/native/binaries.js";
import { useTemporaryDirs } from "../helpers/temporary.js";

const temporaryDir = useTemporaryDirs();

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

/** Settings from these variables alone, as the loader makes them. */
const settingsWith = (environment: Record<string, string>) => loadSettings({ cwd: temporaryDir("no-env-"), environment });

describe("finding the native programs", () => {
  test("says how to install Prometheus when it is neither on PATH nor in PROMETHEUS_BIN", () => {
    const empty = temporaryDir("no-bin-");
    const problems = problemsOf(() => locateBinaries(settingsWith({}), empty));
    assert.match(problems[0] ?? "", /Prometheus is not installed/);
    assert.ok(problems.some((problem) => problem.includes("apt-get install prometheus")));
    assert.ok(problems.some((problem) => problem.includes("prometheus.io/download")));
    assert.ok(problems.some((problem) => problem.includes("PROMETHEUS_BIN")));
  });

  test("prefers *_BIN settings over PATH and treats the exporters as optional", () => {
    const dir = temporaryDir("bins-");
    const onPath = fakeBin(dir, "prometheus");
    const explicit = fakeBin(temporaryDir("bins-"), "my-prometheus");
    const exporter = fakeBin(dir, "prometheus-node-exporter");
    const found = locateBinaries(settingsWith({ PROMETHEUS_BIN: explicit }), dir);
    assert.deepEqual(found.prometheus, { path: explicit, source: "PROMETHEUS_BIN" });
    assert.deepEqual(found.nodeExporter, { path: exporter, source: "PATH" });
    assert.equal(found.alertmanager, undefined);
    assert.equal(found.grafana, undefined);
    assert.equal(locateBinaries(settingsWith({}), dir).prometheus.path, onPath);
  });

  test("a *_BIN setting that names no executable is reported by the loader, with every other problem", () => {
    const settings = () => settingsWith({ PROMETHEUS_BIN: "/nowhere/prometheus", ALERTMANAGER_BIN: "/nowhere/am" });
    const problems = problemsOf(settings);
    assert.equal(problems.length, 2);
    assert.match(problems[0] ?? "", /^PROMETHEUS_BIN \(environment variable\): \/nowhere\/prometheus does not exist/);
    assert.match(problems[1] ?? "", /^ALERTMANAGER_BIN \(environment variable\): /);
  });

  test("finds Grafana in GRAFANA_HOME and runs its `server` subcommand from that home", () => {
    const home = temporaryDir("grafana-home-");
    const bins = temporaryDir("bins-");
    fakeBin(bins, "prometheus");
    mkdirSync(join(home, "bin"));
    mkdirSync(join(home, "conf"));
    writeFileSync(join(home, "conf", "defaults.ini"), "");
    fakeBin(join(home, "bin"), "grafana");
    const found = locateBinaries(settingsWith({ GRAFANA_HOME: home }), bins);
    assert.deepEqual(found.grafana, {
      path: join(home, "bin", "grafana"),
      source: "GRAFANA_HOME",
      homePath: home,
      style: "grafana server",
    });
  });
});
