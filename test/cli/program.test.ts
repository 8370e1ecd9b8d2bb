import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { runCli } from "../helpers/cli.js";

describe("the vllm-monitor program", () => {
  test("--version and -V print the package's version", async () => {
    const { version } = JSON.parse(readFileSync("package.json", "utf8")) as { version: string };
    for (const flag of ["--version", "-V"]) {
      const run = await runCli([flag]);
      assert.equal(run.code, 0);
      assert.equal(run.stdout.trim(), version);
    }
  });

  test("help shows --env beside --env-file, for npx on Node 20", async () => {
    const run = await runCli(["up", "--help"]);
    assert.equal(run.code, 0);
    assert.match(run.stdout, /--env-file <path>[\s\S]*alias --env\s+<path>/);
  });

  test("--env works as --env-file, and a missing file given that way exits 2 naming it", async () => {
    const run = await runCli(["conf", "prometheus", "--env", "/nonexistent/prod.env", "--out", "/nonexistent/out"]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /\/nonexistent\/prod\.env does not exist \(given with --env-file\)/);
  });

  test(".env_example says what doctor's 401 advice says (test/doctor): vLLM's --api-key guards /v1/*, not /metrics", () => {
    const example = readFileSync(".env_example", "utf8");
    assert.match(example, /its --api-key protects only\s+(# )?\/v1\/\*, not\s+(# )?\/metrics/);
    assert.doesNotMatch(example, /--api-key[^.]*protects \/metrics/);
  });
});
