import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli, runCommand } from "./compose-fixture.js";

// The real `docker info` against a socket nothing listens on: no engine answers there, even on a
// machine (like CI's) where one runs for test/docker.
const NO_ENGINE = { ...process.env, DOCKER_HOST: "unix:///nonexistent/vllm-monitor-no-engine.sock" };

describe("compose commands when no Docker engine answers", () => {
  let dir = "";
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "vllm-monitor-noengine-"));
    await writeFile(join(dir, ".env"), "ADMIN_USER=admin\nADMIN_PASSWORD=not-a-real-password\nVLLM_TARGET=\n", { mode: 0o600 });
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test("up exits 2, says no engine answers, suggests --native and renders nothing", async () => {
    const out = join(dir, "build");
    const result = await runCli(["up", "--env-file", join(dir, ".env"), "--out", out], NO_ENGINE);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /No Docker engine answers|Docker is not installed/);
    assert.match(result.stderr, /vllm-monitor up --native/);
    assert.doesNotMatch(result.stderr, /not-a-real-password/);
    assert.doesNotMatch(result.stderr, /\n\s+at /, "prints a stack trace");
    assert.equal(existsSync(out), false);
  });

  for (const command of [["logs"], ["build"], ["down", "--keep-config"]]) {
    test(`${command[0]} exits 2 with the same advice`, async () => {
      const result = await runCli([...command, "--out", join(dir, "build")], NO_ENGINE);
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, /--native/);
    });
  }

  test("up on a machine without the docker command says Docker is not installed", async () => {
    // A PATH holding only node: neither docker nor docker-compose can be found.
    const bin = join(dir, "node-only-bin");
    await runCommand("mkdir", ["-p", bin]);
    await symlink(process.execPath, join(bin, "node")).catch(() => undefined);
    const result = await runCli(["up", "--env-file", join(dir, ".env"), "--out", join(dir, "build")], { ...process.env, PATH: bin });
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /Docker is not installed: no `docker` command on PATH/);
    assert.match(result.stderr, /vllm-monitor up --native/);
  });
});
