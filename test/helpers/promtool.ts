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
