import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { main } from "../../src/cli/main.js";
import { OUTPUT_LAYOUT } from "../../src/render/layout.js";
import { checkPrometheusConfig } from "../helpers/promtool.js";
import { cliCommand } from "../helpers/cli.js";
import { useTemporaryDirs } from "../helpers/temporary.js";

function workspace(envText: string): { env: string; out: string } {
  const dir = temporaryDir("vllm-monitor-cli-");
  writeFileSync(join(dir, ".env"), envText);
  return { env: join(dir, ".env"), out: join(dir, "build") };
}

const cli = (...args: string[]): Promise<number> => main(["node", "vllm-monitor", ...args]);

const temporaryDir = useTemporaryDirs();

describe("vllm-monitor conf and clean", () => {
  test("conf all --mode native writes a tree promtool accepts and clean deletes it", async () => {
    const { env, out } = workspace("ADMIN_PASSWORD=long-enough-pw\n");
    assert.equal(await cli("conf", "all", "--env-file", env, "--out", out, "--mode", "native"), 0);
    const check = await checkPrometheusConfig(join(out, OUTPUT_LAYOUT.prometheusConfig));
    assert.equal(check.code, 0, check.output);
    assert.ok(existsSync(join(out, OUTPUT_LAYOUT.datasource)));
    assert.equal(await cli("clean", "--out", out), 0);
    assert.equal(existsSync(out), false);
    assert.equal(await cli("clean", "--out", out), 0, "cleaning twice is fine");
  });

  test("conf prometheus works without ADMIN_PASSWORD but conf grafana exits 2 and writes nothing", async () => {
    const { env, out } = workspace("SCRAPE_INTERVAL=10s\nVLLM_TARGET=gpu-node-1:8000\n");
    assert.equal(await cli("conf", "grafana", "--env-file", env, "--out", out), 2);
    assert.equal(existsSync(out), false);
    assert.equal(await cli("conf", "prometheus", "--env-file", env, "--out", out), 0);
    assert.match(readFileSync(join(out, OUTPUT_LAYOUT.prometheusConfig), "utf8"), /scrape_interval: 10s/);
    assert.equal(existsSync(join(out, OUTPUT_LAYOUT.datasource)), false);
  });

  test("conf renders the user's service levels and runbook address into the rules and dashboards it writes", async () => {
    const { env, out } = workspace(
      "ADMIN_PASSWORD=long-enough-pw\nSLO_TTFT_SECONDS=1\nSLO_E2E_SECONDS=30\nRUNBOOK_BASE_URL=https://wiki.example.com/runbooks\n",
    );
    assert.equal(await cli("conf", "all", "--env-file", env, "--out", out), 0);
    const alerts = readFileSync(join(out, OUTPUT_LAYOUT.rulesDir, "vllm-alerts.yml"), "utf8");
    assert.match(alerts, /:p95_rate5m > 1\n/);
    assert.match(alerts, /e2e_request_latency_seconds:p95_rate5m > 30\)/);
    assert.match(alerts, /runbook_url: https:\/\/wiki\.example\.com\/runbooks#scrapetargetdown/);
    assert.match(readFileSync(join(out, OUTPUT_LAYOUT.dashboardsDir, "vllm-user-overview.json"), "utf8"), /Requests with TTFT ≤ 1s/);
    assert.doesNotMatch(readFileSync("rules/vllm-alerts.yml", "utf8"), /wiki\.example\.com/, "the committed rules keep the defaults");
  });

  test("clean refuses a folder vllm-monitor did not write and exits 2", async () => {
    const { out } = workspace("");
    mkdirSync(out);
    writeFileSync(join(out, "notes.txt"), "mine");
    assert.equal(await cli("clean", "--out", out), 2);
    assert.ok(existsSync(join(out, "notes.txt")));
  });

  test("rejects an unknown --mode as a usage error", async () => {
    const { env, out } = workspace("");
    assert.equal(await cli("conf", "prometheus", "--env-file", env, "--out", out, "--mode", "kubernetes"), 2);
    assert.equal(existsSync(out), false);
  });

  test("run as a process, exits 2 on bad input, names each variable and never prints the token or password", async () => {
    const token = "tok-visible-NEVER";
    const password = "pw-NEVER-shown";
    const { env, out } = workspace(
      [
        `VLLM_METRICS_AUTH_TOKEN="${token}\\r\\nX-Evil: 1"`,
        `ADMIN_PASSWORD='${password}'\\`,
        "SCHEMA=gopher",
        "VLLM_TARGET=http://admin:${password}@host/x",
      ].join("\n"),
    );
    const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const cli = cliCommand(["conf", "all", "--env-file", env, "--out", out]);
      execFile(cli.command, cli.args, { timeout: 120_000 }, (error, stdout, stderr) => {
        resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : null, stdout, stderr });
      });
    });
    assert.equal(result.code, 2, result.stderr);
    for (const name of ["VLLM_METRICS_AUTH_TOKEN", "SCHEMA", "VLLM_TARGET"])
      assert.match(result.stderr, new RegExp(`${name} \\(${env.replace(/[.]/g, "\\.")}:\\d+\\)`));
    assert.match(result.stderr, /ADMIN_PASSWORD|unexpected text after the closing quote/);
    assert.doesNotMatch(result.stderr + result.stdout, new RegExp(`${token}|${password}|X-Evil`));
    assert.doesNotMatch(result.stderr, /\n\s+at /, "no stack trace for a user error");
    assert.equal(existsSync(out), false);
  });
});
