import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { stringify } from "yaml";
import { buildMixin, thresholds } from "../../src/mixin/index.js";
import { recordingRules } from "../../src/mixin/rules/index.js";
import { alertCases, optionalAlertsConfig, promtoolTestFile, testedRecords } from "./promtool-cases.js";
import { ruleFileText } from "../../src/render/rule-file-text.js";

const run = promisify(execFile);
const PROMTOOL = process.env.PROMTOOL_BIN ?? "/usr/bin/promtool";

describe("generated Prometheus rules", () => {
  const mixin = buildMixin();
  let dir = "";
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "promtool-"));
    for (const file of mixin.ruleFiles) await writeFile(join(dir, file.fileName), ruleFileText(file));
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test("pass promtool check rules", async () => {
    const { stdout } = await run(PROMTOOL, ["check", "rules", ...mixin.ruleFiles.map((file) => join(dir, file.fileName))]);
    assert.match(stdout, /SUCCESS/);
  });

  test("have a promtool case for every alert and every recording rule", () => {
    const cases = new Set(alertCases(thresholds()).map((testCase) => testCase.alert));
    assert.deepEqual(
      mixin.alerts.map((rule) => rule.alert).filter((name) => !cases.has(name)),
      [],
    );
    const tested = testedRecords();
    assert.deepEqual(
      recordingRules(thresholds())
        .map((rule) => rule.record)
        .filter((name) => !tested.has(name)),
      [],
    );
  });

  test("show the observed value in every alert description and link a runbook", () => {
    for (const rule of mixin.alerts) {
      assert.match(rule.description, /\$value/, `${rule.alert} description has no {{ $value }}`);
    }
  });

  test("keep every alert silent just before its for: and firing with labels and annotations just after, and record the expected values", async () => {
    const testFile = join(dir, "tests.yml");
    await writeFile(testFile, stringify(promtoolTestFile(mixin.ruleFiles.map((file) => file.fileName)), { lineWidth: 0 }));
    try {
      const { stdout } = await run(PROMTOOL, ["test", "rules", testFile], { cwd: dir });
      assert.match(stdout, /SUCCESS/);
    } catch (error) {
      const failure = error as { stdout?: string; stderr?: string };
      assert.fail(`promtool test rules failed:\n${failure.stdout ?? ""}${failure.stderr ?? ""}`);
    }
  });

  test("keep GpuMemoryNearFull and VllmReplicasBelowExpected off by default and test them on both sides of for: once their settings are given", async () => {
    assert.deepEqual(
      mixin.alerts.map((rule) => rule.alert).filter((name) => name === "GpuMemoryNearFull" || name === "VllmReplicasBelowExpected"),
      [],
    );
    const config = optionalAlertsConfig();
    const optional = buildMixin(config);
    const optionalDir = await mkdtemp(join(tmpdir(), "promtool-optional-"));
    try {
      for (const file of optional.ruleFiles) await writeFile(join(optionalDir, file.fileName), ruleFileText(file));
      const only = new Set(["GpuMemoryNearFull", "VllmReplicasBelowExpected"]);
      const testFile = join(optionalDir, "tests.yml");
      const tests = promtoolTestFile(
        optional.ruleFiles.map((file) => file.fileName),
        config,
        only,
      );
      assert.equal(tests.tests.length, 4, "two alerts, each firing and silent");
      await writeFile(testFile, stringify(tests, { lineWidth: 0 }));
      const { stdout } = await run(PROMTOOL, ["test", "rules", testFile], { cwd: optionalDir });
      assert.match(stdout, /SUCCESS/);
    } catch (error) {
      const failure = error as { stdout?: string; stderr?: string };
      assert.fail(`promtool test rules failed:\n${failure.stdout ?? ""}${failure.stderr ?? ""}`);
    } finally {
      await rm(optionalDir, { recursive: true, force: true });
    }
  });
});
