import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { inspect } from "node:util";
import { loadSettings, stackNotes } from "../../src/config/load.js";
import { defaultValue, ENV_VARIABLES, ENV_NAMES } from "../../src/config/schema.js";
import { parseTargetList, resolveTargets } from "../../src/config/targets.js";
import { isUserError } from "../../src/errors.js";
import { useTemporaryDirs } from "../helpers/temporary.js";

function envDir(text: string): string {
  const dir = temporaryDir("vllm-monitor-config-");
  writeFileSync(join(dir, ".env"), text);
  return dir;
}

function load(dir: string) {
  return loadSettings({ envFile: join(dir, ".env"), environment: {} });
}

function loadError(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    assert.ok(isUserError(error), `expected a UserError, got ${String(error)}`);
    assert.equal(error.exitCode, 2);
    return error.message;
  }
  assert.fail("expected loadSettings to throw");
}

const temporaryDir = useTemporaryDirs();

describe("loadSettings", () => {
  test("uses every default and demo mode when the default .env does not exist, and says so", () => {
    const dir = temporaryDir("vllm-monitor-config-");
    const settings = loadSettings({ cwd: dir, environment: {} });
    assert.equal(settings.demo, true);
    assert.deepEqual(settings.targets, []);
    assert.equal(settings.env.SCHEMA, "http");
    assert.equal(settings.env.SCRAPE_INTERVAL, "2s", "the demo's own default");
    assert.equal(settings.env.VLLM_METRICS_PATH, "/metrics");
    assert.equal(settings.env.GRAFANA_PORT, 3000);
    assert.equal(settings.env.PROMETHEUS_PORT, 9090);
    assert.equal(settings.env.NODE_EXPORTER_PORT, 9100);
    assert.equal(settings.env.SLO_TTFT_SECONDS, 2.5);
    assert.equal(settings.env.SLO_E2E_SECONDS, 60);
    assert.match(settings.env.RUNBOOK_BASE_URL, /^https:\/\/.+\/docs\/runbooks\.md$/);
    assert.equal(settings.env.GPU_EXPORTER, "none");
    assert.equal(settings.env.VLLM_TLS_INSECURE_SKIP_VERIFY, false);
    assert.equal(settings.env.ADMIN_USER.reveal(), "admin");
    assert.equal(settings.env.ADMIN_PASSWORD, undefined);
    assert.equal(settings.envFile.found, false);
    assert.ok(settings.notes.some((note) => /no .env file found/.test(note)));
    assert.ok(stackNotes(settings).some((note) => /demo mode/.test(note)));
  });

  test("fails with exit 2 when an explicit --env-file does not exist, naming it", () => {
    const dir = temporaryDir("vllm-monitor-config-");
    const message = loadError(() => loadSettings({ envFile: join(dir, "prod.env"), environment: {} }));
    assert.match(message, /prod\.env does not exist \(given with --env-file\)/);
  });

  test("reads the seed's example with comments, quotes, export and CRLF into typed settings", () => {
    const dir = envDir(
      [
        "# Grafana",
        "export ADMIN_USER='ops'",
        'ADMIN_PASSWORD="a-long password"',
        "VLLM_TARGET=gpu-1,gpu-2:9000 , [fd00::1]:8001,https://gw.example.com/vllm/metrics",
        "SCHEMA=https  # Use 'https' for remote endpoints, 'http' for local",
        "VLLM_METRICS_AUTH_TOKEN=tok-123",
        "GRAFANA_PORT=3300",
        "SCRAPE_INTERVAL=15s",
        "VLLM_TLS_INSECURE_SKIP_VERIFY=TRUE",
        "GPU_EXPORTER=nvidia-smi",
        "SLO_TTFT_SECONDS=1",
        "",
      ].join("\r\n"),
    );
    const settings = load(dir);
    assert.equal(settings.demo, false);
    assert.equal(settings.env.ADMIN_USER.reveal(), "ops");
    assert.equal(settings.env.ADMIN_PASSWORD?.reveal(), "a-long password");
    assert.equal(settings.env.VLLM_METRICS_AUTH_TOKEN?.reveal(), "tok-123");
    assert.deepEqual(settings.targets, [
      { address: "gpu-1:8000", scheme: "https", metricsPath: "/metrics" },
      { address: "gpu-2:9000", scheme: "https", metricsPath: "/metrics" },
      { address: "[fd00::1]:8001", scheme: "https", metricsPath: "/metrics" },
      { address: "gw.example.com:443", scheme: "https", metricsPath: "/vllm/metrics" },
    ]);
    assert.equal(settings.env.GRAFANA_PORT, 3300);
    assert.equal(settings.env.SCRAPE_INTERVAL, "15s");
    assert.equal(settings.env.VLLM_TLS_INSECURE_SKIP_VERIFY, true);
    assert.equal(settings.env.GPU_EXPORTER, "nvidia-smi");
    assert.equal(settings.env.SLO_TTFT_SECONDS, 1);
    assert.deepEqual(settings.sources.SCHEMA, { kind: "file", file: join(dir, ".env"), line: 5 });
  });

  test("never shows a secret when the settings are printed, inspected or serialised", () => {
    const dir = envDir("ADMIN_PASSWORD=hunter2-hunter2\nVLLM_METRICS_AUTH_TOKEN=tok-SECRET-42\n");
    const settings = load(dir);
    const shown = `${inspect(settings, { depth: 6 })} ${JSON.stringify(settings)} ${String(settings.env.VLLM_METRICS_AUTH_TOKEN)}`;
    assert.doesNotMatch(shown, /hunter2|tok-SECRET-42/);
  });

  test("lets a non-empty process environment variable override the file, like compose", () => {
    const dir = envDir("SCRAPE_INTERVAL=30s\nGRAFANA_PORT=3001\n");
    const settings = loadSettings({ envFile: join(dir, ".env"), environment: { SCRAPE_INTERVAL: "10s", GRAFANA_PORT: "" } });
    assert.equal(settings.env.SCRAPE_INTERVAL, "10s");
    assert.equal(settings.env.GRAFANA_PORT, 3001);
    assert.deepEqual(settings.sources.SCRAPE_INTERVAL, { kind: "environment" });
  });

  test("treats an empty value as missing, so the default applies", () => {
    const settings = load(envDir("SCHEMA=\nSCRAPE_INTERVAL=''\nVLLM_TARGET=gpu-1:8000\n"));
    assert.equal(settings.env.SCHEMA, "http");
    assert.equal(settings.env.SCRAPE_INTERVAL, "5s");
  });

  test("scrapes the demo every 2s unless SCRAPE_INTERVAL is set, and a real target every 5s", () => {
    const demo = load(envDir("SCRAPE_INTERVAL=\n"));
    assert.equal(demo.demo, true);
    assert.equal(demo.env.SCRAPE_INTERVAL, "2s");
    assert.equal(demo.substitutable.get("SCRAPE_INTERVAL"), "2s", "Prometheus's template gets the same value");
    assert.deepEqual(demo.sources.SCRAPE_INTERVAL, { kind: "default" });
    assert.equal(load(envDir("SCRAPE_INTERVAL=10s\n")).env.SCRAPE_INTERVAL, "10s");
    assert.equal(load(envDir("VLLM_TARGET=gpu-1:8000\n")).env.SCRAPE_INTERVAL, "5s");
    assert.equal(load(envDir("VLLM_TARGETS_FILE=\nVLLM_TARGET=\n")).env.SCRAPE_INTERVAL, "2s");
  });

  test("reports every invalid variable at once with its name, file:line and fix, hiding secret values", () => {
    const dir = envDir(
      [
        "SCHEMA=ftp",
        "GRAFANA_PORT=99999",
        "SCRAPE_INTERVAL=5 seconds",
        "VLLM_METRICS_PATH=metrics",
        'VLLM_METRICS_AUTH_TOKEN="tok\\nX-Injected: yes"',
        "ADMIN_PASSWORD=Sh0rt7",
        "VLLM_TLS_INSECURE_SKIP_VERIFY=maybe",
        "GPU_EXPORTER=amd",
        "VLLM_TARGET=good-host,bad host,::1,http://user:pa55word@h/x,ftp://h",
        "VLLM_TLS_CA_FILE=./missing-ca.pem",
        "this line is broken",
      ].join("\n"),
    );
    const message = loadError(() => load(dir));
    const file = join(dir, ".env");
    for (const [name, line] of [
      ["SCHEMA", 1],
      ["GRAFANA_PORT", 2],
      ["SCRAPE_INTERVAL", 3],
      ["VLLM_METRICS_PATH", 4],
      ["VLLM_METRICS_AUTH_TOKEN", 5],
      ["ADMIN_PASSWORD", 6],
      ["VLLM_TLS_INSECURE_SKIP_VERIFY", 7],
      ["GPU_EXPORTER", 8],
      ["VLLM_TARGET", 9],
      ["VLLM_TLS_CA_FILE", 10],
    ] as const) {
      assert.ok(message.includes(`${name} (${file}:${line})`), `no problem for ${name} at line ${line} in:\n${message}`);
    }
    assert.ok(message.includes(`${file}:11: this has no "=" after it`), message);
    assert.match(message, /11 problems/);
    assert.match(message, /How to fix: set SCHEMA=http for local servers or SCHEMA=https/);
    assert.match(message, /HTTP header injection/);
    assert.match(message, /item "bad host"/);
    assert.match(message, /item "::1" looks like an IPv6 address; put it in brackets/);
    assert.match(message, /item "ftp:\/\/h" uses the scheme "ftp"/);
    assert.doesNotMatch(message, /X-Injected|pa55word|Sh0rt7/);
  });

  test("reports PROMETHEUS_PORT=abc and NODE_EXPORTER_PORT=70000 together, in one style, with no false duplicate", () => {
    const message = loadError(() => load(envDir("PROMETHEUS_PORT=abc\nNODE_EXPORTER_PORT=70000\n")));
    assert.match(message, /2 problems/);
    assert.match(message, /PROMETHEUS_PORT \(.*\.env:1\): must be a port number \(got "abc"\)\. How to fix: /);
    assert.match(message, /NODE_EXPORTER_PORT \(.*\.env:2\): must be a port from 1 to 65535 \(got "70000"\)\. How to fix: /);
    assert.doesNotMatch(message, /both/);
  });

  test("rejects a VLLM_TARGET with no target in it instead of switching to demo mode", () => {
    const message = loadError(() => load(envDir("VLLM_TARGET=,, ,\n")));
    assert.match(message, /VLLM_TARGET \(.*\.env:1\): lists no target/);
  });

  test("rejects an SLO that is not a bucket boundary, naming the nearest boundaries and listing them all", () => {
    const message = loadError(() => load(envDir("SLO_TTFT_SECONDS=2\nSLO_E2E_SECONDS=45\n")));
    assert.match(
      message,
      /SLO_TTFT_SECONDS \(.*\.env:1\): is not a bucket boundary of the histogram, .*; the nearest boundaries are 1 or 2\.5 \(all: 0\.001, .*, 1, 2\.5, 5, .*2560\) \(got "2"\)/,
    );
    assert.match(
      message,
      /SLO_E2E_SECONDS \(.*\.env:2\): is not a bucket boundary .* the nearest boundaries are 40 or 50 \(all: .* 40, 50, 60, 120/,
    );
  });

  test("rejects a TTFT target given as a percentage or too loose for the fastest burn-rate tier, and bad optional alert settings", () => {
    const message = loadError(() => load(envDir("SLO_TTFT_TARGET=99\nVLLM_EXPECTED_REPLICAS=two\nALERT_GPU_FREE_MEMORY_GIB=0\n")));
    assert.match(message, /SLO_TTFT_TARGET \(.*\.env:1\): must be a fraction between 0 and 1 such as 0\.99 \(not a percentage like 99\)/);
    assert.match(message, /VLLM_EXPECTED_REPLICAS \(.*\.env:2\): must be a whole number of servers/);
    assert.match(message, /ALERT_GPU_FREE_MEMORY_GIB \(.*\.env:3\): must be above 0/);
    const loose = loadError(() => load(envDir("SLO_TTFT_TARGET=0.9\n")));
    assert.match(
      loose,
      /SLO_TTFT_TARGET \(.*\.env:1\): must be from 0\.95 to 0\.9999: with a looser target the 14\.4x burn-rate tier could never fire/,
    );
  });

  test("rejects a runbook address that is not an absolute URL and a program path that is no executable", () => {
    const dir = envDir("RUNBOOK_BASE_URL=docs/runbooks.md\nPROMETHEUS_BIN=./not-here\nGRAFANA_HOME=./.env\n");
    const message = loadError(() => load(dir));
    assert.match(message, /RUNBOOK_BASE_URL \(.*:1\): must be an absolute http\(s\) URL/);
    assert.match(message, new RegExp(`PROMETHEUS_BIN \\(.*:2\\): ${join(dir, "not-here")} does not exist`));
    assert.match(message, /GRAFANA_HOME \(.*:3\): .* is not a folder/);
  });

  test("writes nothing, not even in demo mode", () => {
    const dir = envDir("ADMIN_USER=admin\n");
    load(dir);
    assert.deepEqual(readdirSync(dir), [".env"]);
  });

  test("resolves VLLM_TLS_CA_FILE and VLLM_TARGETS_FILE relative to the .env file's folder and reads the file's targets", () => {
    const dir = envDir("VLLM_TLS_CA_FILE=certs/ca.pem\nVLLM_TARGETS_FILE=fleet.yml\n");
    mkdirSync(join(dir, "certs"));
    writeFileSync(join(dir, "certs", "ca.pem"), "-----BEGIN CERTIFICATE-----\n");
    writeFileSync(join(dir, "fleet.yml"), "- targets: [a:8000, b]\n  labels: { __scheme__: https, cluster: a100 }\n");
    const settings = loadSettings({ envFile: join(dir, ".env"), environment: {}, cwd: "/" });
    assert.equal(settings.env.VLLM_TLS_CA_FILE, join(dir, "certs", "ca.pem"));
    assert.equal(settings.env.VLLM_TARGETS_FILE, join(dir, "fleet.yml"));
    assert.equal(settings.demo, false, "a targets file alone is not demo mode");
    assert.deepEqual(settings.fileTargets, [
      { address: "a:8000", scheme: "https", metricsPath: "/metrics" },
      { address: "b:443", scheme: "https", metricsPath: "/metrics" },
    ]);
  });

  test("rejects a URL in a targets file the way Prometheus does, with the file and line", () => {
    const dir = envDir("VLLM_TARGETS_FILE=fleet.yml\n");
    writeFileSync(join(dir, "fleet.yml"), "- targets:\n    - gpu-1:8000\n    - http://gpu-2:8000/metrics\n  labels: { 1bad: x }\n");
    const message = loadError(() => load(dir));
    assert.match(
      message,
      /VLLM_TARGETS_FILE \(.*\.env:1\): fleet\.yml:3: target "http:\/\/gpu-2:8000\/metrics" has a scheme or path, which Prometheus rejects/,
    );
    assert.match(message, /fleet\.yml:4: "1bad" is not a valid label name/);
  });

  test("rejects a targets file with an extension file_sd does not read", () => {
    const dir = envDir("VLLM_TARGETS_FILE=fleet.txt\n");
    writeFileSync(join(dir, "fleet.txt"), "");
    assert.match(
      loadError(() => load(dir)),
      /VLLM_TARGETS_FILE .*must end in \.json, \.yml or \.yaml/,
    );
  });

  test("rejects the same target listed twice", () => {
    assert.match(
      loadError(() => load(envDir("VLLM_TARGET=h:8000,h\n"))),
      /lists http:\/\/h:8000\/metrics more than once/,
    );
  });

  test("says an unreadable .env file is a user error", { skip: process.getuid?.() === 0 ? "root reads every file" : false }, () => {
    const dir = envDir("A=1\n");
    chmodSync(join(dir, ".env"), 0o000);
    assert.match(
      loadError(() => load(dir)),
      /cannot read the env file/,
    );
  });

  test("says a .env path that is a folder is a user error", () => {
    const dir = temporaryDir("vllm-monitor-config-");
    assert.match(
      loadError(() => loadSettings({ envFile: dir, environment: {} })),
      /is a folder/,
    );
  });

  test("refuses a SCRAPE_INTERVAL that leaves fewer than 4 samples in the rules' 5m rate window, and says why", () => {
    const dir = envDir("SCRAPE_INTERVAL=2m\n");
    const message = loadError(() => load(dir));
    assert.ok(
      message.includes(
        `SCRAPE_INTERVAL (${join(dir, ".env")}:1): leaves fewer than 4 samples in the 5m window the recording rules and alerts rate over`,
      ),
      message,
    );
    assert.match(message, /rate\(\) needs two samples to give anything, and 4 to survive a missed scrape/);
    assert.match(message, /\(got "2m"\)\. How to fix: use a Prometheus duration from 1s to 1m15s/);
    assert.equal(load(envDir("SCRAPE_INTERVAL=1m15s\n")).env.SCRAPE_INTERVAL, "1m15s");
    assert.match(
      loadError(() => load(envDir("SCRAPE_INTERVAL=76s\n"))),
      /fewer than 4 samples/,
    );
  });

  test("takes the native variables as its own and another tool's variables silently", () => {
    const settings = load(envDir("SIMULATOR_PORT=8123\nHF_TOKEN=x\nCUDA_VISIBLE_DEVICES=0\n"));
    assert.ok(!settings.notes.some((note) => /SIMULATOR_PORT|HF_TOKEN|CUDA/.test(note)));
    assert.equal(settings.env.SIMULATOR_PORT, 8123);
  });

  test("refuses VLLM_TARGETS= in .env with a did-you-mean, instead of falling into demo mode", () => {
    const dir = envDir(
      "ADMIN_PASSWORD=a-long-password\nVLLM_TARGETS=gpu-1:8000\nVLLM_TARGE=h\nvllm_metrics_path=/m\nNODE_EXPORTER_TARGET=n:9100\n",
    );
    const message = loadError(() => load(dir));
    const file = join(dir, ".env");
    assert.ok(
      message.includes(
        `VLLM_TARGETS (${file}:2): is not a vllm-monitor variable, so it would be ignored; did you mean VLLM_TARGET? How to fix: rename it to VLLM_TARGET`,
      ),
      message,
    );
    assert.ok(
      message.includes(`VLLM_TARGE (${file}:3): is not a vllm-monitor variable, so it would be ignored; did you mean VLLM_TARGET?`),
      message,
    );
    assert.ok(
      message.includes(
        `vllm_metrics_path (${file}:4): is not a vllm-monitor variable, so it would be ignored; did you mean VLLM_METRICS_PATH?`,
      ),
      message,
    );
    assert.ok(
      message.includes(
        `NODE_EXPORTER_TARGET (${file}:5): is not a vllm-monitor variable, so it would be ignored; did you mean NODE_EXPORTER_TARGETS?`,
      ),
      message,
    );
    assert.match(message, /4 problems/);
  });

  test("refuses a plural/singular miss in the environment, but not vLLM's own VLLM_* variables", () => {
    const dir = envDir("ADMIN_PASSWORD=a-long-password\nVLLM_TARGET=gpu-1:8000\n");
    const message = loadError(() =>
      loadSettings({
        envFile: join(dir, ".env"),
        environment: { VLLM_TARGETS_FILES: "./x.yml", VLLM_TARGET_DEVICE: "cuda", VLLM_USE_V1: "1", VLLM_PORT: "8000" },
      }),
    );
    assert.match(
      message,
      /VLLM_TARGETS_FILES \(environment variable\): is not a vllm-monitor variable, so it would be ignored; did you mean VLLM_TARGETS_FILE\?/,
    );
    assert.match(message, /\(1 problem\)/);
  });
});

describe("the env schema", () => {
  test("never makes a secret substitutable in templates", () => {
    for (const name of ENV_NAMES) {
      const variable = ENV_VARIABLES[name];
      assert.ok(!(variable.secret && variable.substitutable), `${name} is secret and substitutable`);
    }
    assert.equal(ENV_VARIABLES.ADMIN_USER.secret, true);
    assert.equal(ENV_VARIABLES.ADMIN_PASSWORD.secret, true);
    assert.equal(ENV_VARIABLES.VLLM_METRICS_AUTH_TOKEN.secret, true);
    assert.equal(ENV_VARIABLES.SIMULATOR_TOKEN.secret, true);
  });

  test("parses every default with its own schema", () => {
    for (const name of ENV_NAMES) {
      const declared: { default?: string } = ENV_VARIABLES[name] as { default?: string };
      if (declared.default !== undefined) assert.doesNotThrow(() => defaultValue(name), name);
    }
  });
});

describe("VLLM_TARGET parsing", () => {
  test("gives a bare host vLLM's port 8000 and a URL without port its scheme's port", () => {
    const { specs, problems } = parseTargetList("a, b:1234, [::1], http://c, https://d/x/metrics, HTTPS://E:8443");
    assert.deepEqual(problems, []);
    assert.deepEqual(
      resolveTargets(specs, { scheme: "http", metricsPath: "/m" }).map(
        (target) => `${target.scheme}://${target.address}${target.metricsPath}`,
      ),
      ["http://a:8000/m", "http://b:1234/m", "http://[::1]:8000/m", "http://c:80/m", "https://d:443/x/metrics", "https://e:8443/m"],
    );
  });

  test("rejects ports out of range, paths without a scheme and empty brackets", () => {
    const { problems } = parseTargetList("a:0,a:70000,host/metrics,[],[zz]:1");
    assert.equal(problems.length, 5);
    assert.match(problems[2] ?? "", /has a path but no scheme; write it as a URL such as http:\/\/host\/metrics/);
  });
});
