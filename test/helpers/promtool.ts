/**
 * Runs the real promtool (Debian 2.42: `/usr/bin/promtool`, or `$PROMTOOL_BIN`).
 *
 *   const result = await checkPrometheusConfig(join(out, "prometheus/prometheus.yml"));
 *   assert.equal(result.code, 0, result.output);
 *
 * `check config` also opens the rule files, credentials_file and ca_file the config names, so
 * run it on a real rendered tree.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { buildMixin, type Mixin } from "../../src/mixin/index.js";
import { ruleFileText } from "../../src/render/rule-file-text.js";

export interface PromtoolResult {
  readonly code: number;
  /** stdout and stderr together, for assertion messages. */
  readonly output: string;
}

export function promtoolBinary(): string {
  return process.env.PROMTOOL_BIN ?? "/usr/bin/promtool";
}

export async function runPromtool(args: readonly string[]): Promise<PromtoolResult> {
  return new Promise((resolve) => {
    execFile(promtoolBinary(), [...args], { timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === "number" ? error.code : 1;
      resolve({ code, output: `${stdout}${stderr}${error !== null && typeof error.code !== "number" ? error.message : ""}` });
    });
  });
}

export async function checkPrometheusConfig(file: string): Promise<PromtoolResult> {
  return runPromtool(["check", "config", file]);
}

/**
 * `promtool test rules` on a test file (as an object; its `rule_files` are set here) against the
 * mixin's own rule files, written with it to a temporary folder that is removed afterwards.
 */
export async function testMixinRules(tests: Readonly<Record<string, unknown>>, mixin: Mixin = buildMixin()): Promise<PromtoolResult> {
  const dir = await mkdtemp(join(tmpdir(), "promtool-tests-"));
  try {
    for (const file of mixin.ruleFiles) await writeFile(join(dir, file.fileName), ruleFileText(file));
    const file = join(dir, "tests.yml");
    await writeFile(file, stringify({ ...tests, rule_files: mixin.ruleFiles.map((rules) => rules.fileName) }, { lineWidth: 0 }));
    return await runPromtool(["test", "rules", file]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
