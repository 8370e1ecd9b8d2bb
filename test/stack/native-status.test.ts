import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { collectNativeStatus, formatNativeStatus, isHealthy, type NativeStatus } from "../../src/stack/native/status.js";
import { writeState } from "../../src/stack/native/state.js";
import { childDeathError, linePrefixer } from "../../src/stack/native/supervisor.js";

const running: NativeStatus = {
  running: true,
  phase: "running",
  supervisorPid: 100,
  startedAt: "2025-01-01T00:00:00.000Z",
  prometheusUrl: "http://127.0.0.1:9090",
  processes: [
    { name: "simulator", pid: 101, ports: [8000, 9400], alive: true },
    { name: "prometheus", pid: 102, ports: [9090], alive: true },
  ],
  targets: [
    { job: "vllm", instance: "127.0.0.1:8000", health: "up", lastError: "", scrapeUrl: "http://127.0.0.1:8000/metrics" },
    { job: "vllm", instance: "gpu-2:8000", health: "down", lastError: "server returned HTTP status 401 Unauthorized", scrapeUrl: "https://gpu-2:8000/metrics" },
  ],
};

describe("native status report", () => {
  test("lists each process with pid, ports and liveness, and each target with its health and last error", () => {
    const text = formatNativeStatus(running);
    assert.match(text, /^simulator +101 +8000,9400 +alive$/m);
    assert.match(text, /^prometheus +102 +9090 +alive$/m);
    assert.match(text, /^vllm +gpu-2:8000 +down +server returned HTTP status 401 Unauthorized$/m);
  });

  test("is unhealthy when a target is down or a process is dead, healthy when all is up", () => {
    assert.equal(isHealthy(running), false);
    const allUp = { ...running, targets: running.targets.slice(0, 1) };
    assert.equal(isHealthy(allUp), true);
    assert.equal(isHealthy({ ...allUp, processes: [{ name: "prometheus", pid: 102, ports: [9090], alive: false }] }), false);
  });

  test("says the stack is not running when nothing is recorded", async () => {
    const status = await collectNativeStatus(join(mkdtempSync(join(tmpdir(), "status-")), "native.json"));
    assert.equal(status.running, false);
    assert.match(formatNativeStatus(status), /not running \(start it with: vllm-monitor up --native\)/);
  });

  test("reports a recorded supervisor that is gone, and Prometheus not answering, instead of failing", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "status-")), "native.json");
    // A pid far above pid_max stands for a process that no longer exists.
    writeState(file, { supervisorPid: 2 ** 30, phase: "running", startedAt: "x", demo: true, outDir: "/tmp/build", envFile: "/tmp/.env", prometheusUrl: "http://127.0.0.1:1", processes: [{ name: "prometheus", pid: 2 ** 30 + 1, command: "prometheus", ports: [{ port: 1, variable: "PROMETHEUS_PORT" }] }] });
    const status = await collectNativeStatus(file);
    assert.equal(status.running, false);
    assert.equal(status.processes[0]?.alive, false);
    assert.ok(status.targetsError !== undefined);
    assert.match(formatNativeStatus(status), /supervisor \(pid \d+\) is gone\. Clean up with: vllm-monitor down/);
  });
});

describe("supervisor output", () => {
  test("pads every process name to the longest so the log lines up", () => {
    const prefix = linePrefixer(["simulator", "prometheus", "node-exporter"]);
    assert.equal(prefix("prometheus", "ready"), "prometheus    | ready");
    assert.equal(prefix("node-exporter", "ok"), "node-exporter | ok");
  });

  test("describes a dead child by name, exit code and last lines, as an exit-1 error", () => {
    const error = childDeathError({ name: "prometheus", exit: { code: 3, signal: null }, lastLines: ["line one", "bind: address already in use"] });
    assert.equal(error.exitCode, 1);
    assert.match(error.message, /^prometheus exited with code 3/);
    assert.match(error.message, /prometheus \| bind: address already in use/);
    assert.match(childDeathError({ name: "simulator", exit: { code: null, signal: "SIGKILL" }, lastLines: [] }).message, /simulator was killed by SIGKILL/);
  });
});
