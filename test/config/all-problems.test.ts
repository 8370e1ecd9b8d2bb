import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCli } from "../helpers/cli.js";
import { useTemporaryDirs } from "../helpers/temporary.js";

const temporaryDir = useTemporaryDirs();

describe("every problem of the settings at once", () => {
  for (const command of [["conf", "all"], ["conf", "grafana"], ["up"]]) {
    test(`${command.join(" ")} names a missing ADMIN_PASSWORD in the same message as a bad SCHEMA`, async () => {
      const dir = temporaryDir("vllm-monitor-problems-");
      writeFileSync(join(dir, ".env"), "VLLM_TARGET=gpu-node-1:8000\nSCHEMA=ftp\n");
      const run = await runCli([...command, "--env-file", join(dir, ".env"), "--out", join(dir, "build")], { cwd: dir });
      assert.equal(run.code, 2, run.output);
      assert.match(run.stderr, /\(2 problems\)/);
      assert.match(run.stderr, /SCHEMA \(.*\.env:2\): must be http or https/);
      assert.match(run.stderr, /ADMIN_PASSWORD \(not set\): is missing; Grafana must not start with a default password/);
    });
  }

  test("conf prometheus and an agent need no ADMIN_PASSWORD, so only SCHEMA is named", async () => {
    const dir = temporaryDir("vllm-monitor-problems-");
    writeFileSync(join(dir, ".env"), "VLLM_TARGET=gpu-node-1:8000\nSCHEMA=ftp\n");
    const run = await runCli(["conf", "prometheus", "--env-file", join(dir, ".env"), "--out", join(dir, "build")], { cwd: dir });
    assert.equal(run.code, 2, run.output);
    assert.match(run.stderr, /\(1 problem\)/);
    assert.doesNotMatch(run.stderr, /ADMIN_PASSWORD/);
  });
});
