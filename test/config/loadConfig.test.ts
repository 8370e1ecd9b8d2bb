import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, mkdirSync, writeFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { inspect } from "node:util";
import { loadConfig } from "../../src/config/load.js";
import { ENV_VARIABLES, ENV_NAMES } from "../../src/config/schema.js";
import { parseTargetList, resolveTargets } from "../../src/config/targets.js";
import { isUserError } from "../../src/errors.js";
import { useTemporaryDirs } from "../helpers/temporary.js";

function envDir(text: string): string {
  const dir = temporaryDir("vllm-monitor-config-");
  writeFileSync(join(dir, ".env"), text);
  return dir;
}

function loadError(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    assert.ok(isUserError(error), `expected a UserError, got ${String(error)}`);
    assert.equal(error.exitCode, 2);
    return error.message;
  }
  assert.fail("expected loadConfig to throw");
}

const temporaryDir = useTemporaryDirs();

describe("loadConfig", () => {
  test("uses every default and demo mode when the .env file does not exist, and says so", () => {
    const dir = temporaryDir("vllm-monitor-config-");
    const config = loadConfig({ envFile: join(dir, ".env"), environment: {} });
    assert.equal(config.demo, true);
    assert.deepEqual(config.targets, []);
    assert.equal(config.scheme, "http");
    assert.equal(config.scrapeInterval, "5s");
    assert.equal(config.metricsPath, "/metrics");
    assert.equal(config.grafanaPort, 3000);
    assert.equal(config.prometheusPort, 9090);
    assert.equal(config.gpuExporter, "none");
    assert.equal(config.tlsInsecureSkipVerify, false);
    assert.equal(config.adminUser.reveal(), "admin");
    assert.equal(config.adminPassword, undefined);
    assert.equal(config.envFile.found, false);
    assert.ok(config.notes.some((note) => /no .*\.env file found/.test(note)));
    assert.ok(config.notes.some((note) => /demo mode/.test(note)));
  });

  test("reads the seed's example with comments, quotes, export and CRLF into a typed config", () => {
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
        "",
      ].join("\r\n"),
    );
    const config = loadConfig({ envFile: join(dir, ".env"), environment: {} });
    assert.equal(config.demo, false);
    assert.equal(config.adminUser.reveal(), "ops");
    assert.equal(config.adminPassword?.reveal(), "a-long password");
    assert.equal(config.metricsAuthToken?.reveal(), "tok-123");
    assert.deepEqual(config.targets, [
      { address: "gpu-1:8000", scheme: "https", metricsPath: "/metrics" },
      { address: "gpu-2:9000", scheme: "https", metricsPath: "/metrics" },
      { address: "[fd00::1]:8001", scheme: "https", metricsPath: "/metrics" },
      { address: "gw.example.com:443", scheme: "https", metricsPath: "/vllm/metrics" },
    ]);
    assert.equal(config.grafanaPort, 3300);
    assert.equal(config.scrapeInterval, "15s");
    assert.equal(config.tlsInsecureSkipVerify, true);
    assert.equal(config.gpuExporter, "nvidia-smi");
    assert.deepEqual(config.sources.SCHEMA, { kind: "file", file: join(dir, ".env"), line: 5 });
  });

  test("never shows a secret when the config is printed, inspected or serialised", () => {
    const dir = envDir("ADMIN_PASSWORD=hunter2-hunter2\nVLLM_METRICS_AUTH_TOKEN=tok-SECRET-42\n");
    const config = loadConfig({ envFile: join(dir, ".env"), environment: {} });
    const shown = `${inspect(config, { depth: 5 })} ${JSON.stringify(config)} ${String(config.metricsAuthToken)}`;
    assert.doesNotMatch(shown, /hunter2|tok-SECRET-42/);
  });

  test("lets a non-empty process environment variable override the file, like compose", () => {
    const dir = envDir("SCRAPE_INTERVAL=30s\nGRAFANA_PORT=3001\n");
    const config = loadConfig({ envFile: join(dir, ".env"), environment: { SCRAPE_INTERVAL: "10s", GRAFANA_PORT: "" } });
    assert.equal(config.scrapeInterval, "10s");
    assert.equal(config.grafanaPort, 3001);
    assert.deepEqual(config.sources.SCRAPE_INTERVAL, { kind: "environment" });
  });

  test("treats an empty value as missing, so the default applies", () => {
    const dir = envDir("SCHEMA=\nSCRAPE_INTERVAL=''\n");
    const config = loadConfig({ envFile: join(dir, ".env"), environment: {} });
    assert.equal(config.scheme, "http");
    assert.equal(config.scrapeInterval, "5s");
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
    const message = loadError(() => loadConfig({ envFile: join(dir, ".env"), environment: {} }));
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

  test("requires ADMIN_PASSWORD only when Grafana is configured for a real target", () => {
    const dir = envDir("ADMIN_USER=admin\nVLLM_TARGET=gpu-node-1:8000\n");
    assert.equal(loadConfig({ envFile: join(dir, ".env"), environment: {} }).adminPassword, undefined);
    const message = loadError(() => loadConfig({ envFile: join(dir, ".env"), environment: {}, requireGrafanaCredentials: true }));
    assert.match(message, /ADMIN_PASSWORD \(not set\): is missing; Grafana must not start with a default password/);
  });

  test("gives the demo a generated Grafana password kept 0600 beside .env and reused on the next load", () => {
    const dir = envDir("ADMIN_USER=admin\n");
    const first = loadConfig({ envFile: join(dir, ".env"), environment: {}, requireGrafanaCredentials: true });
    const stored = join(dir, ".vllm-monitor", "grafana-admin-password");
    assert.equal(statSync(stored).mode & 0o777, 0o600);
    const password = first.adminPassword?.reveal() ?? "";
    assert.ok(password.length >= 16);
    assert.ok(first.notes.some((note) => note.includes("grafana-admin-password")));
    assert.ok(!first.notes.join("\n").includes(password), "the note names the file, not the password");
    const second = loadConfig({ envFile: join(dir, ".env"), environment: {}, requireGrafanaCredentials: true });
    assert.equal(second.adminPassword?.reveal(), password);
  });

  test("resolves VLLM_TLS_CA_FILE and VLLM_TARGETS_FILE relative to the .env file's folder", () => {
    const dir = envDir("VLLM_TLS_CA_FILE=certs/ca.pem\nVLLM_TARGETS_FILE=fleet.yml\nVLLM_TARGET=h\n");
    mkdirSync(join(dir, "certs"));
    writeFileSync(join(dir, "certs", "ca.pem"), "-----BEGIN CERTIFICATE-----\n");
    writeFileSync(join(dir, "fleet.yml"), "- targets: [a:8000]\n");
    const config = loadConfig({ envFile: join(dir, ".env"), environment: {}, cwd: "/" });
    assert.equal(config.tlsCaFile, join(dir, "certs", "ca.pem"));
    assert.equal(config.targetsFile, join(dir, "fleet.yml"));
  });

  test("rejects a targets file with an extension file_sd does not read", () => {
    const dir = envDir("VLLM_TARGETS_FILE=fleet.txt\n");
    writeFileSync(join(dir, "fleet.txt"), "");
    assert.match(loadError(() => loadConfig({ envFile: join(dir, ".env"), environment: {} })), /VLLM_TARGETS_FILE .*must end in \.json, \.yml or \.yaml/);
  });

  test("rejects the same target listed twice", () => {
    const dir = envDir("VLLM_TARGET=h:8000,h\n");
    assert.match(loadError(() => loadConfig({ envFile: join(dir, ".env"), environment: {} })), /lists http:\/\/h:8000\/metrics more than once/);
  });

  test("says an unreadable .env file is a user error", { skip: process.getuid?.() === 0 ? "root reads every file" : false }, () => {
    const dir = envDir("A=1\n");
    chmodSync(join(dir, ".env"), 0o000);
    assert.match(loadError(() => loadConfig({ envFile: join(dir, ".env"), environment: {} })), /cannot read the env file/);
  });

  test("says a .env path that is a folder is a user error", () => {
    const dir = temporaryDir("vllm-monitor-config-");
    assert.match(loadError(() => loadConfig({ envFile: dir, environment: {} })), /is a folder/);
  });

  test("notes a likely typo of a variable name", () => {
    const dir = envDir("VLLM_TARGE=h\n");
    const config = loadConfig({ envFile: join(dir, ".env"), environment: {} });
    assert.ok(config.notes.some((note) => note.includes("VLLM_TARGE is not a vllm-monitor variable; did you mean VLLM_TARGET?")));
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
  });
});

describe("VLLM_TARGET parsing", () => {
  test("gives a bare host vLLM's port 8000 and a URL without port its scheme's port", () => {
    const { specs, problems } = parseTargetList("a, b:1234, [::1], http://c, https://d/x/metrics, HTTPS://E:8443");
    assert.deepEqual(problems, []);
    assert.deepEqual(
      resolveTargets(specs, { scheme: "http", metricsPath: "/m" }).map((target) => `${target.scheme}://${target.address}${target.metricsPath}`),
      ["http://a:8000/m", "http://b:1234/m", "http://[::1]:8000/m", "http://c:80/m", "https://d:443/x/metrics", "https://e:8443/m"],
    );
  });

  test("rejects ports out of range, paths without a scheme and empty brackets", () => {
    const { problems } = parseTargetList("a:0,a:70000,host/metrics,[],[zz]:1");
    assert.equal(problems.length, 5);
    assert.match(problems[2] ?? "", /has a path but no scheme; write it as a URL such as http:\/\/host\/metrics/);
  });
});
