import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { collectStatus, formatStatus, isHealthy, type StackStatus } from "../../src/stack/status.js";
import { findStack, listStacks, recordStack, type NativeState } from "../../src/stack/registry.js";
import { childDeathError, linePrefixer } from "../../src/stack/native/supervisor.js";
import { useTemporaryDirs } from "../helpers/temporary.js";

const temporaryDir = useTemporaryDirs();

/** A pid far above pid_max stands for a process that no longer exists. */
const GONE = 2 ** 30;

function nativeState(overrides: Partial<NativeState> = {}): NativeState {
  return {
    kind: "native",
    supervisorPid: 100,
    phase: "running",
    startedAt: "2025-01-01T00:00:00.000Z",
    demo: true,
    outDir: "/srv/build",
    envFile: "/srv/.env",
    workDir: "/srv",
    logFile: "/srv/.vllm-monitor/native.log",
    prometheusUrl: "http://127.0.0.1:9090",
    processes: [
      {
        name: "simulator",
        pid: 101,
        command: "node",
        ports: [
          { port: 8000, variable: "SIMULATOR_PORT" },
          { port: 9400, variable: "SIMULATOR_GPU_PORT" },
        ],
      },
      { name: "prometheus", pid: 102, command: "prometheus", ports: [{ port: 9090, variable: "PROMETHEUS_PORT" }] },
    ],
    ...overrides,
  };
}

const running: StackStatus = {
  running: true,
  stack: nativeState(),
  processes: [
    { name: "simulator", pid: 101, ports: [8000, 9400], alive: true },
    { name: "prometheus", pid: 102, ports: [9090], alive: true },
  ],
  targets: [
    { job: "vllm", instance: "127.0.0.1:8000", health: "up", lastError: "", scrapeUrl: "http://127.0.0.1:8000/metrics" },
    {
      job: "vllm",
      instance: "gpu-2:8000",
      health: "down",
      lastError: "server returned HTTP status 401 Unauthorized",
      scrapeUrl: "https://gpu-2:8000/metrics",
    },
  ],
};

describe("status report", () => {
  test("lists each process with pid, ports and liveness, and each target with its health and last error", () => {
    const text = formatStatus(running);
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

  test("names the compose command and project the stack was started with, so a second project's containers are found", () => {
    const compose = {
      kind: "compose",
      startedAt: "2025-01-01T00:00:00.000Z",
      demo: false,
      outDir: "/srv/build-b",
      envFile: "/srv/.env",
      workDir: "/srv",
      composeFile: "/srv/docker-compose.yml",
      grafanaUrl: "http://127.0.0.1:3001/",
    } as const;
    const status = (stack: StackStatus["stack"]): StackStatus => ({ running: true, stack, processes: [], targets: [] });
    assert.match(
      formatStatus(status({ ...compose, composeCommand: "docker-compose -p second" })),
      /containers: docker-compose -p second ps/,
    );
    assert.match(formatStatus(status(compose)), /containers: docker compose -p vllm-monitor ps/, "a record of an older version");
  });

  test("says no stack runs when nothing is recorded", async () => {
    const status = await collectStatus(undefined);
    assert.equal(status.running, false);
    assert.match(formatStatus(status), /No stack is running \(start one with: vllm-monitor up/);
  });

  test("reports a recorded supervisor that is gone instead of failing", async () => {
    const status = await collectStatus(
      nativeState({ supervisorPid: GONE, processes: [{ name: "prometheus", pid: GONE + 1, command: "prometheus", ports: [{ port: 1 }] }] }),
    );
    assert.equal(status.running, false);
    assert.equal(status.processes[0]?.alive, false);
    assert.match(formatStatus(status), /supervisor \(pid \d+\) is gone\. Clean up with: vllm-monitor down/);
  });

  test("names the child whose death stopped the stack, with its last lines", () => {
    const failed = nativeState({
      supervisorPid: GONE,
      phase: "failed",
      failure: { name: "prometheus", how: "exited with code 1", at: "2025-01-01T00:01:00.000Z", lastLines: ["err: bad config"] },
    });
    const text = formatStatus({ running: false, stack: failed, processes: [], targets: [] });
    assert.match(text, /prometheus exited with code 1/);
    assert.match(text, /prometheus \| err: bad config/);
  });
});

describe("the stack registry", () => {
  test("finds a stack by --out from any folder, the only one without --out, and asks for --out when several run", () => {
    const environment = { XDG_STATE_HOME: temporaryDir("registry-") };
    recordStack(nativeState({ outDir: "/srv/a" }), environment);
    assert.equal(findStack({ environment })?.outDir, "/srv/a");
    recordStack(nativeState({ outDir: "/srv/b", startedAt: "2025-01-02T00:00:00.000Z" }), environment);
    assert.equal(findStack({ outDir: "/srv/b", cwd: "/elsewhere", environment })?.outDir, "/srv/b");
    assert.equal(findStack({ outDir: "../srv/a", cwd: "/tmp", environment })?.outDir, "/srv/a");
    assert.throws(() => findStack({ environment }), /say which one with --stack NAME/);
    assert.deepEqual(
      listStacks(environment).map((stack) => stack.outDir),
      ["/srv/a", "/srv/b"],
    );
    assert.equal(findStack({ outDir: join("/srv", "c"), environment }), undefined);
  });
});

describe("supervisor output", () => {
  test("pads every process name to the longest so the log lines up", () => {
    const prefix = linePrefixer(["simulator", "prometheus", "node-exporter"]);
    assert.equal(prefix("prometheus", "ready"), "prometheus    | ready");
    assert.equal(prefix("node-exporter", "ok"), "node-exporter | ok");
  });

  test("describes a dead child by name, exit code and last lines, as an exit-1 error", () => {
    const error = childDeathError({
      name: "prometheus",
      exit: { code: 3, signal: null },
      lastLines: ["line one", "bind: address already in use"],
    });
    assert.equal(error.exitCode, 1);
    assert.match(error.message, /^prometheus exited with code 3/);
    assert.match(error.message, /prometheus \| bind: address already in use/);
    assert.match(
      childDeathError({ name: "simulator", exit: { code: null, signal: "SIGKILL" }, lastLines: [] }).message,
      /simulator was killed by SIGKILL/,
    );
  });
});
