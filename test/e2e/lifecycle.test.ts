import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { waitUntil } from "../../src/process/index.js";
import { isAlive, listStacks } from "../../src/stack/registry.js";
import { createWorkspace, exists, type Workspace } from "./harness.js";

// Real processes: the supervisor in the foreground, Debian's Prometheus, the simulator.
describe("native supervisor lifecycle", () => {
  const workspaces: Workspace[] = [];
  const servers: Server[] = [];
  after(async () => {
    for (const server of servers) server.close();
    for (const workspace of workspaces) await workspace.cleanup();
  });
  async function workspaceWith(variables: Readonly<Record<string, string>> = {}): Promise<Workspace> {
    const workspace = await createWorkspace(variables);
    workspaces.push(workspace);
    return workspace;
  }

  test("prefixes each process's lines with its name, and SIGTERM stops every child and deletes the rendered secrets", async () => {
    const workspace = await workspaceWith({ VLLM_METRICS_AUTH_TOKEN: "demo-token-value" });
    const supervisor = workspace.spawnCli(["up", "--native"]);
    try {
      await waitUntil(() => listStacks(workspace.env).some((stack) => stack.kind === "native" && stack.phase === "running"), {
        what: `the foreground stack to be running; output:\n${supervisor.recentOutput().join("\n")}`,
        timeoutMs: 90_000,
      });
      const pids = workspace.recordedPids();
      assert.ok(exists(join(workspace.dir, "build", "prometheus", "prometheus.yml")));
      supervisor.child.kill("SIGTERM");
      const exit = await supervisor.exited;
      assert.equal(exit.code, 0, supervisor.recentOutput().join("\n"));
      for (const pid of pids) assert.equal(isAlive(pid), false, `process ${pid} survived SIGTERM of the supervisor`);
      assert.equal(exists(join(workspace.dir, "build", "prometheus", "secrets")), false, "the token file is deleted");
      const output = supervisor.recentOutput();
      assert.ok(
        output.some((line) => /^prometheus +\| /.test(line)),
        "Prometheus lines carry its name",
      );
      assert.ok(
        output.some((line) => /^simulator +\| /.test(line)),
        "simulator lines carry its name",
      );
      assert.ok(!output.some((line) => line.includes("demo-token-value")), "the token never appears in the output");
    } finally {
      await supervisor.stop();
    }
  });

  test("reports a child that dies with its name, exit code and last lines, stops the rest, exits non-zero, and status names it afterwards", async () => {
    const workspace = await workspaceWith();
    const fake = join(workspace.dir, "broken-prometheus");
    writeFileSync(fake, "#!/bin/sh\necho 'opening storage failed: lock DB directory: resource temporarily unavailable' >&2\nexit 3\n");
    chmodSync(fake, 0o755);
    workspace.writeEnv({ PROMETHEUS_BIN: fake });
    const result = await workspace.cli(["up", "--native"]);
    assert.equal(result.code, 1, result.output);
    assert.match(result.output, /prometheus exited with code 3/);
    assert.match(result.output, /prometheus \| opening storage failed/);
    assert.match(result.output, /other processes of the native stack were stopped/);
    // why: this `up` ran in the test's own process, so only its children are checked.
    for (const stack of listStacks(workspace.env))
      for (const child of stack.kind === "native" ? stack.processes : [])
        assert.equal(isAlive(child.pid), false, `${child.name} (pid ${child.pid}) is still running`);
    assert.equal(exists(join(workspace.dir, "build", "prometheus")), false, "the rendered files are deleted");

    // From another folder, status still knows what happened.
    const status = await workspace.cli(["status"], { cwd: "/" });
    assert.equal(status.code, 1, status.output);
    assert.match(status.output, /prometheus exited with code 3/);
    assert.match(status.output, /prometheus \| opening storage failed/);
    const down = await workspace.cli(["down"], { cwd: "/" });
    assert.equal(down.code, 0, down.output);
    assert.deepEqual(workspace.recordedPids(), [], "down clears the record of the failed stack");
  });

  test("refuses a busy port by naming it and the variable that moves it, and exits 2", async () => {
    const workspace = await workspaceWith();
    const server = createServer();
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(workspace.ports.prometheus, "127.0.0.1", resolve));
    const result = await workspace.cli(["up", "--native"]);
    assert.equal(result.code, 2, result.output);
    assert.match(
      result.output,
      new RegExp(`127\\.0\\.0\\.1:${workspace.ports.prometheus} \\(prometheus\\) is already in use.*PROMETHEUS_PORT`),
    );
  });

  test("says how to install Prometheus when it is not on PATH, and exits 2", async () => {
    const workspace = await workspaceWith();
    const result = await workspace.cli(["up", "--native"], { env: { PATH: join(workspace.dir, "no-programs-here") } });
    assert.equal(result.code, 2, result.output);
    assert.match(result.output, /Prometheus is not installed/);
    assert.match(result.output, /apt-get install prometheus/);
    assert.match(result.output, /PROMETHEUS_BIN/);
  });
});
