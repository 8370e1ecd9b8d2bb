import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { findFreePorts, waitUntil, type ManagedProcess } from "../../src/process/index.js";
import type { ProcessSpec } from "../../src/stack/native/plan.js";
import { startSupervised, type RestartInfo } from "../../src/stack/native/supervisor.js";
import { formatStatus, isHealthy, type StackStatus } from "../../src/stack/status.js";

/**
 * A small real process: an HTTP server that answers its readiness check, and exits with code 3
 * when asked (GET /exit) or, with `dieAfterMs`, on its own shortly after starting.
 */
function serverSpec(name: ProcessSpec["name"], port: number, dieAfterMs?: number): ProcessSpec {
  const script = [
    "const http = require('node:http');",
    "const server = http.createServer((req, res) => { if (req.url === '/exit') { res.end('bye'); process.exit(3); } res.end('ok'); });",
    `server.listen(${port}, '127.0.0.1');`,
    dieAfterMs === undefined ? "" : `setTimeout(() => { console.log('giving up'); process.exit(3); }, ${dieAfterMs});`,
  ].join("\n");
  return {
    name,
    services: [],
    command: process.execPath,
    args: ["-e", script],
    env: {},
    ports: [{ port, variable: "TEST_PORT" }],
    readyUrl: `http://127.0.0.1:${port}/`,
  };
}

/** A process that serves its readiness check only once `otherPort` accepts connections. */
function waitingSpec(name: ProcessSpec["name"], port: number, otherPort: number): ProcessSpec {
  const script = [
    "const http = require('node:http');",
    "const net = require('node:net');",
    "const serve = () => http.createServer((req, res) => res.end('ok')).listen(" + String(port) + ", '127.0.0.1');",
    `const attempt = () => { const socket = net.connect(${otherPort}, '127.0.0.1', () => { socket.end(); serve(); }); socket.on('error', () => setTimeout(attempt, 50)); };`,
    "attempt();",
  ].join("\n");
  return { ...serverSpec(name, port), args: ["-e", script] };
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe("native supervision", () => {
  test("starts every child at once: a child that is ready only once a later one serves does not hold the later one back", async () => {
    const [firstPort, laterPort] = await findFreePorts(2);
    const supervised = await startSupervised(
      [waitingSpec("prometheus", firstPort as number, laterPort as number), serverSpec("simulator", laterPort as number)],
      { baseEnv: process.env, writeLine: () => undefined, signal: new AbortController().signal, readyTimeoutMs: 10_000 },
    );
    try {
      assert.deepEqual(
        supervised.processes.map((child) => child.name),
        ["prometheus", "simulator"],
      );
      for (const port of [firstPort, laterPort]) assert.equal(await (await fetch(`http://127.0.0.1:${port}/`)).text(), "ok");
    } finally {
      await supervised.stopAll();
    }
    for (const child of supervised.processes) assert.equal(alive(child.pid), false, `${child.name} stopped`);
  });

  test("a child that dies while another is not ready yet fails the start naming it, and stops the one still starting", async () => {
    const [waitingPort, dyingPort, neverPort] = await findFreePorts(3);
    const started: ManagedProcess[] = [];
    await assert.rejects(
      startSupervised(
        [waitingSpec("prometheus", waitingPort as number, neverPort as number), serverSpec("simulator", dyingPort as number, 300)],
        {
          baseEnv: process.env,
          writeLine: () => undefined,
          signal: new AbortController().signal,
          readyTimeoutMs: 30_000,
          onStarted: (_spec, child) => started.push(child),
        },
      ),
      (error: Error) => {
        assert.match(error.message, /^simulator exited with code 3; the other processes of the native stack were stopped\./);
        assert.match(error.message, /simulator \| giving up/);
        return true;
      },
    );
    assert.equal(started.length, 2);
    for (const child of started) assert.equal(alive(child.pid), false, `${child.name} stopped`);
  });

  test("a child that dies is restarted with backoff while the others keep running, and stopAll stops every one", async () => {
    const [steadyPort, flakyPort] = await findFreePorts(2);
    const restarts: { name: string; pid: number | undefined; info: RestartInfo }[] = [];
    const lines: string[] = [];
    const supervised = await startSupervised(
      [serverSpec("prometheus", steadyPort as number), serverSpec("node-exporter", flakyPort as number)],
      {
        baseEnv: process.env,
        writeLine: (line) => lines.push(line),
        signal: new AbortController().signal,
        restartFirstDelayMs: 50,
        onRestarted: (spec, child: ManagedProcess | undefined, info) => restarts.push({ name: spec.name, pid: child?.pid, info }),
      },
    );
    try {
      const [steady, flaky] = supervised.processes as ManagedProcess[];
      await (await fetch(`http://127.0.0.1:${flakyPort}/exit`)).text();
      await waitUntil(async () => restarts.some((entry) => entry.pid !== undefined), {
        what: "node-exporter restarted",
        timeoutMs: 10_000,
        intervalMs: 20,
      });
      const restarted = restarts.find((entry) => entry.pid !== undefined);
      assert.equal(restarted?.name, "node-exporter");
      assert.notEqual(restarted?.pid, flaky?.pid);
      assert.deepEqual(
        { restarts: restarted?.info.restarts, lastExit: restarted?.info.lastExit, failing: restarted?.info.failing },
        { restarts: 1, lastExit: "exited with code 3", failing: false },
      );
      await waitUntil(
        async () =>
          (await fetch(`http://127.0.0.1:${flakyPort}/`)
            .then((response) => response.text())
            .catch(() => "")) === "ok",
        {
          what: "the restarted node-exporter serving again",
          timeoutMs: 10_000,
          intervalMs: 50,
        },
      );
      assert.ok(alive(steady?.pid ?? 0), "the other child was not touched");
      assert.equal((supervised.processes as ManagedProcess[])[0]?.pid, steady?.pid);
      assert.ok(
        lines.some((line) => /node-exporter exited with code 3; restarting it in 0\.05s, the rest keeps running/.test(line)),
        lines.join("\n"),
      );
    } finally {
      await supervised.stopAll();
    }
    for (const child of supervised.processes) assert.equal(alive(child.pid), false, `${child.name} stopped`);
  });

  test("a child that keeps failing is reported as failing, retried, and stopAll during its backoff leaves nothing running", async () => {
    const [steadyPort, flakyPort] = await findFreePorts(2);
    const infos: RestartInfo[] = [];
    // why: it lives long enough to pass its readiness check at startup, then dies soon after every start.
    const supervised = await startSupervised(
      [serverSpec("prometheus", steadyPort as number), serverSpec("simulator", flakyPort as number, 400)],
      {
        baseEnv: process.env,
        writeLine: () => undefined,
        signal: new AbortController().signal,
        restartFirstDelayMs: 20,
        onRestarted: (_spec, child, info) => (child === undefined ? infos.push(info) : undefined),
      },
    );
    const steady = supervised.processes[0] as ManagedProcess;
    try {
      await waitUntil(async () => infos.some((info) => info.failing), {
        what: "the simulator reported as failing",
        timeoutMs: 30_000,
        intervalMs: 50,
      });
      assert.ok(alive(steady.pid), "the rest keeps running");
      const failing = infos.find((info) => info.failing);
      assert.equal(failing?.lastExit, "exited with code 3");
      const status: StackStatus = {
        running: true,
        processes: [
          { name: "prometheus", pid: steady.pid, ports: [steadyPort as number], alive: true },
          {
            name: "simulator",
            pid: 1,
            ports: [flakyPort as number],
            alive: false,
            restarts: failing?.restarts ?? 0,
            lastExit: failing?.lastExit ?? "",
            failing: true,
          },
        ],
        targets: [],
        stack: {
          kind: "native",
          supervisorPid: process.pid,
          phase: "running",
          startedAt: "2025-01-01T00:00:00.000Z",
          demo: true,
          outDir: "/srv/build",
          envFile: "/srv/.env",
          workDir: "/srv",
          logFile: "/srv/.vllm-monitor/native.log",
          prometheusUrl: "http://127.0.0.1:9090",
          processes: [],
        },
      };
      const text = formatStatus(status);
      assert.match(text, /^simulator +1 +\d+ +failing +\d+ +exited with code 3$/m);
      assert.match(
        text,
        /simulator keeps failing \(exited with code 3; restarted \d+ times\): see its lines in \/srv\/\.vllm-monitor\/native\.log; the rest of the stack keeps running/,
      );
      assert.equal(isHealthy(status), false);
    } finally {
      await supervised.stopAll();
    }
    for (const child of supervised.processes) assert.equal(alive(child.pid), false, `${child.name} stopped`);
  });
});
