import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadSettings } from "../../src/config/load.js";
import { readTargetsFile } from "../../src/config/targets-file.js";
import { isUserError, type UserError } from "../../src/errors.js";
import { renderTemplateCollecting, type TemplateValue } from "../../src/render/template.js";
import { formatStatus } from "../../src/stack/status.js";
import { runCli } from "../helpers/cli.js";
import { useTemporaryDirs } from "../helpers/temporary.js";

const temporaryDir = useTemporaryDirs();
const ESC = "\u001b";

function envDir(text: string): string {
  const dir = temporaryDir("vllm-monitor-hostile-");
  writeFileSync(join(dir, ".env"), text);
  return dir;
}

function loadError(text: string): UserError {
  const dir = envDir(text);
  try {
    loadSettings({ envFile: join(dir, ".env"), environment: {}, hostName: "test-host" });
  } catch (error) {
    if (isUserError(error)) return error;
    throw error;
  }
  assert.fail("expected a UserError");
}

describe("hostile .env input", () => {
  test("150,000 bad lines give 50 problems and '… and 149,950 more', with exit code 2 and no stack trace", async () => {
    const dir = envDir("!!! not an assignment\n".repeat(150_000));
    const error = loadError("!!! not an assignment\n".repeat(150_000));
    assert.equal(error.problems.length, 51);
    assert.equal(error.problems.at(-1), "… and 149,950 more");
    const run = await runCli(["conf", "prometheus", "--out", join(dir, "build")], { cwd: dir });
    assert.equal(run.code, 2);
    assert.doesNotMatch(run.output, /RangeError|\n\s+at /);
    assert.ok(run.output.length < 20_000, `${run.output.length} characters of output`);
  });

  test("a 1 MB target item is echoed as its first 80 characters and an ellipsis", () => {
    const error = loadError(`VLLM_TARGET=http://${"a".repeat(1_000_000)}/x y\n`);
    assert.ok(error.message.length < 2_000, `${error.message.length} characters of error`);
    assert.match(error.message, new RegExp(`"http://${"a".repeat(73)}…"`));
  });

  test("ESC and NUL are refused in settings that become labels, paths and URLs, and echoed escaped", () => {
    const error = loadError(
      [
        `MONITOR_NAME=gpu${ESC}[31mred`,
        `VLLM_METRICS_PATH=/metrics\u0000`,
        `RUNBOOK_BASE_URL=https://wiki.example.com/${ESC}]8;;x`,
        `VLLM_TARGETS_FILE=./fleet\u0000.yml`,
      ].join("\n"),
    );
    for (const name of ["MONITOR_NAME", "VLLM_METRICS_PATH", "RUNBOOK_BASE_URL", "VLLM_TARGETS_FILE"]) {
      assert.ok(
        error.problems.some((problem) => problem.startsWith(`${name} `) && problem.includes("contains a control character")),
        `${name} refused: ${error.problems.join(" | ")}`,
      );
    }
    assert.doesNotMatch(error.message, /[\u0000-\u0008\u001b]/, "no raw control character reaches the terminal");
    assert.match(error.message, /gpu\\x1b\[31mred/);
  });

  test("a control character in a file_sd label value is refused with the file and line", () => {
    const dir = temporaryDir("vllm-monitor-hostile-");
    const file = join(dir, "fleet.yml");
    writeFileSync(file, `- targets: ["gpu-1:8000"]\n  labels:\n    hostname: "gpu\\e[2J"\n`);
    const read = readTargetsFile(file, { scheme: "http", metricsPath: "/metrics" });
    assert.ok(
      read.problems.some((problem) => /fleet\.yml:3: the value of label hostname contains a control character/.test(problem)),
      read.problems.join(" | "),
    );
  });

  test("a key set twice gets a note naming both lines, and the later value wins", () => {
    const dir = envDir("SCRAPE_INTERVAL=5s\nGRAFANA_PORT=3001\nSCRAPE_INTERVAL=30s\n");
    const settings = loadSettings({ envFile: join(dir, ".env"), environment: {}, hostName: "test-host" });
    assert.equal(settings.env.SCRAPE_INTERVAL, "30s");
    assert.ok(
      settings.notes.some((note) => /\.env:3: SCRAPE_INTERVAL is set again \(first at line 1\); the later line wins/.test(note)),
      settings.notes.join(" | "),
    );
  });
});

describe("template placeholders", () => {
  const values = new Map<string, TemplateValue>([["SCRAPE_INTERVAL", { value: "5s" }]]);
  const options = { fileName: "templates/x.yml.template", format: "yaml" } as const;

  test("an undeclared ${NAME} in the settings' namespace fails naming the file and line", () => {
    const result = renderTemplateCollecting("a: ${SCRAPE_INTERVAL}\nb: ${SCRAPE_INTERVALL}\n", values, options);
    assert.deepEqual(result.problems.length, 1);
    assert.match(result.problems[0] ?? "", /^templates\/x\.yml\.template:2: \$\{SCRAPE_INTERVALL\} is neither a setting/);
  });

  test("Grafana's and Prometheus's own $var syntax stays untouched", () => {
    const text = 'expr: rate(x{job="$job"}[${__rate_interval}]) and ${instance} and $NODE and {{ $labels.instance }} and $1\n';
    const result = renderTemplateCollecting(text, values, options);
    assert.deepEqual(result.problems, []);
    assert.equal(result.text, text);
  });
});

describe("echo from targets", () => {
  test("doctor escapes the control characters of a target's answer instead of printing them to the terminal", async () => {
    const { createServer } = await import("node:http");
    const server = createServer((_request, response) => {
      response.writeHead(200, { "content-type": "text/plain" });
      response.end(`${ESC}]0;pwned\u0007${ESC}[2J not { metrics\n`);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      const run = await runCli(["doctor", "--target", `http://127.0.0.1:${port}/metrics`], { cwd: temporaryDir("vllm-monitor-hostile-") });
      assert.doesNotMatch(run.output, /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/, "no raw control character in doctor's output");
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  test("status escapes a target's last error", () => {
    const text = formatStatus({
      running: true,
      stack: {
        kind: "native",
        supervisorPid: process.pid,
        phase: "running",
        startedAt: "2025-01-01T00:00:00.000Z",
        demo: true,
        outDir: "/srv/build",
        envFile: "/srv/.env",
        workDir: "/srv",
        logFile: "/srv/native.log",
        prometheusUrl: "http://127.0.0.1:9090",
        processes: [],
      },
      processes: [],
      targets: [{ job: "vllm", instance: "h:8000", health: "down", lastError: `bad ${ESC}[2J body`, scrapeUrl: "http://h:8000/metrics" }],
    });
    assert.doesNotMatch(text, /\u001b/);
    assert.match(text, /bad \\x1b\[2J body/);
  });
});
