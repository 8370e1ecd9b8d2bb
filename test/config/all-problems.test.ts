import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
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

  test("up --native names a missing ADMIN_PASSWORD with a bad SCHEMA when Grafana is installed, and not when it is not", async () => {
    const dir = temporaryDir("vllm-monitor-problems-");
    writeFileSync(join(dir, ".env"), "VLLM_TARGET=gpu-node-1:8000\nSCHEMA=ftp\n");
    const bin = join(dir, "bin");
    mkdirSync(bin);
    // A stand-in: Grafana cannot run here, and the loader's message comes before anything starts.
    writeFileSync(join(bin, "grafana"), "#!/bin/sh\nexit 0\n", { mode: 0o755 });
    const args = ["up", "--native", "--env-file", join(dir, ".env"), "--out", join(dir, "build")];
    const withGrafana = await runCli(args, { cwd: dir, env: { PATH: `${bin}:${process.env.PATH ?? ""}` } });
    assert.equal(withGrafana.code, 2, withGrafana.output);
    assert.match(withGrafana.stderr, /\(2 problems\)/);
    assert.match(withGrafana.stderr, /ADMIN_PASSWORD \(not set\): is missing/);
    const without = await runCli(args, { cwd: dir, env: { PATH: join(dir, "empty") } });
    assert.equal(without.code, 2, without.output);
    assert.match(without.stderr, /\(1 problem\)/);
  });

  test("conf prometheus and an agent need no ADMIN_PASSWORD, so only SCHEMA is named", async () => {
    const dir = temporaryDir("vllm-monitor-problems-");
    writeFileSync(join(dir, ".env"), "VLLM_TARGET=gpu-node-1:8000\nSCHEMA=ftp\n");
    const run = await runCli(["conf", "prometheus", "--env-file", join(dir, ".env"), "--out", join(dir, "build")], { cwd: dir });
    assert.equal(run.code, 2, run.output);
    assert.match(run.stderr, /\(1 problem\)/);
    assert.doesNotMatch(run.stderr, /ADMIN_PASSWORD/);
  });
});
