import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { buildMixin } from "../../src/mixin/index.js";
import { parse as parseYaml } from "yaml";
import { loadSettings, type Settings } from "../../src/config/load.js";
import { isUserError } from "../../src/errors.js";
import type { GrafanaAdmin } from "../../src/render/compose-env.js";
import { composeEndpoints, expectedServices, nativeEndpoints } from "../../src/render/endpoints.js";
import { OUTPUT_LAYOUT, OUTPUT_MARKER } from "../../src/render/layout.js";
import { renderStackConfig } from "../../src/render/stack.js";
import { writeStackConfig } from "../../src/stack/configure.js";
import { configuredGrafanaAdmin } from "../../src/stack/grafana-admin.js";
import { removeOutputTree } from "../../src/render/writer.js";
import { checkPrometheusConfig } from "../helpers/promtool.js";
import { useTemporaryDirs } from "../helpers/temporary.js";

interface PrometheusYaml {
  global: { scrape_interval: string; evaluation_interval: string; external_labels: Record<string, string> };
  remote_write: Record<string, unknown>[];
  rule_files: string[];
  alerting: { alertmanagers: { static_configs: { targets: string[] }[] }[] };
  scrape_configs: {
    job_name: string;
    scheme?: string;
    metrics_path?: string;
    file_sd_configs?: { files: string[] }[];
    static_configs?: { targets: string[] }[];
    authorization?: { type: string; credentials_file: string } | null;
    tls_config?: { ca_file?: string; insecure_skip_verify: boolean };
    metric_relabel_configs?: { source_labels: string[]; regex: string; action: string }[];
  }[];
}

/** Native ports of these tests, away from the defaults. */
const PORTS = "PROMETHEUS_PORT=19090\nSIMULATOR_PORT=18000\nSIMULATOR_GPU_PORT=19400\nNODE_EXPORTER_PORT=19100\n";

function workspace(envText: string, extraFiles: Record<string, string> = {}): { dir: string; out: string; config: () => Settings } {
  const dir = temporaryDir("vllm-monitor-stack-");
  writeFileSync(join(dir, ".env"), PORTS + envText);
  for (const [name, content] of Object.entries(extraFiles)) writeFileSync(join(dir, name), content);
  const out = join(dir, "build");
  return { dir, out, config: () => loadSettings({ envFile: join(dir, ".env"), environment: {}, hostName: "test-host" }) };
}

/** The admin account ADMIN_USER / ADMIN_PASSWORD give (the tests that render Grafana set both). */
function admin(settings: Settings): { grafanaAdmin: GrafanaAdmin } | Record<string, never> {
  const configured = configuredGrafanaAdmin(settings);
  return configured === undefined ? {} : { grafanaAdmin: configured };
}
const readPrometheus = (out: string): PrometheusYaml =>
  parseYaml(readFileSync(join(out, OUTPUT_LAYOUT.prometheusConfig), "utf8")) as PrometheusYaml;
const job = (config: PrometheusYaml, name: string) => config.scrape_configs.find((entry) => entry.job_name === name);
const readJson = (path: string): unknown => JSON.parse(readFileSync(path, "utf8"));

function makeCaFile(dir: string): string {
  const key = join(dir, "ca.key");
  const cert = join(dir, "ca.pem");
  execFileSync(
    "openssl",
    ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=test-ca"],
    { stdio: "ignore" },
  );
  return cert;
}

const temporaryDir = useTemporaryDirs();

describe("renderStackConfig and writeStackConfig", () => {
  test("renders a local http demo that promtool accepts, scraping the simulator, node exporter and simulated GPUs", async () => {
    const { out, config } = workspace("ADMIN_PASSWORD=long-enough-pw\n");
    const loaded = config();
    await writeStackConfig(loaded, { mode: "native", outDir: out, endpoints: nativeEndpoints(loaded), ...admin(loaded) });
    const check = await checkPrometheusConfig(join(out, OUTPUT_LAYOUT.prometheusConfig));
    assert.equal(check.code, 0, check.output);
    assert.match(check.output, new RegExp(`SUCCESS: ${buildMixin().ruleFiles.length} rule files found`));

    const prometheus = readPrometheus(out);
    assert.equal(prometheus.global.scrape_interval, "2s", "the demo's default");
    assert.equal(prometheus.global.evaluation_interval, "2s", "rules are evaluated as often as samples come");
    assert.deepEqual(prometheus.rule_files, [join(out, "prometheus/rules/*.yml")]);
    assert.deepEqual(prometheus.alerting.alertmanagers[0]?.static_configs[0]?.targets, []);
    assert.deepEqual(
      prometheus.scrape_configs.map((entry) => entry.job_name),
      ["vllm", "prometheus", "node", "gpu"],
    );
    assert.equal(job(prometheus, "vllm")?.authorization, null);
    assert.ok(
      job(prometheus, "vllm")?.metric_relabel_configs?.some(
        (drop) => drop.action === "drop" && new RegExp(`^${drop.regex}$`).test("vllm_x_created"),
      ),
    );
    assert.deepEqual(job(prometheus, "gpu")?.file_sd_configs?.[0]?.files, [join(out, OUTPUT_LAYOUT.gpuTargets)]);
    assert.deepEqual(readJson(join(out, OUTPUT_LAYOUT.gpuTargets)), [{ targets: ["127.0.0.1:19400"], labels: { hostname: "test-host" } }]);
    assert.deepEqual(readJson(join(out, OUTPUT_LAYOUT.nodeTargets)), [{ targets: ["127.0.0.1:19100"], labels: { hostname: "test-host" } }]);
    assert.deepEqual(readJson(join(out, OUTPUT_LAYOUT.vllmTargets)), [
      { targets: ["127.0.0.1:18000"], labels: { __scheme__: "http", __metrics_path__: "/metrics", hostname: "test-host" } },
    ]);
    assert.deepEqual(prometheus.global.external_labels, { monitor: "test-host" });
    assert.deepEqual(prometheus.remote_write, []);
    assert.equal(existsSync(join(out, OUTPUT_LAYOUT.tokenFile)), false);
  });

  test("writes Grafana's datasource with the fixed uid, the dashboard provider and every dashboard, without credentials", async () => {
    const { out, config } = workspace("ADMIN_USER=grafana-boss\nADMIN_PASSWORD=long-enough-pw\n");
    const loaded = config();
    await writeStackConfig(loaded, {
      mode: "compose",
      outDir: out,
      endpoints: composeEndpoints(loaded),
      part: "grafana",
      ...admin(loaded),
    });
    const datasource = parseYaml(readFileSync(join(out, OUTPUT_LAYOUT.datasource), "utf8")) as { datasources: Record<string, unknown>[] };
    assert.deepEqual(
      { uid: datasource.datasources[0]?.uid, url: datasource.datasources[0]?.url, isDefault: datasource.datasources[0]?.isDefault },
      { uid: "prometheus", url: "http://prometheus:9090", isDefault: true },
    );
    const provider = parseYaml(readFileSync(join(out, OUTPUT_LAYOUT.dashboardProvider), "utf8")) as {
      providers: { options: { path: string } }[];
    };
    assert.equal(provider.providers[0]?.options.path, "/var/lib/grafana/dashboards");
    assert.deepEqual(
      readdirSync(join(out, OUTPUT_LAYOUT.dashboardsDir)).sort(),
      buildMixin()
        .recordedDashboards.map((file) => file.fileName)
        .sort(),
    );
    assert.equal(existsSync(join(out, OUTPUT_LAYOUT.prometheusConfig)), false);
    const composeEnv = readFileSync(join(out, OUTPUT_LAYOUT.composeEnv), "utf8");
    assert.match(composeEnv, /^GF_SECURITY_ADMIN_USER='grafana-boss'$/m);
    assert.match(composeEnv, /^GF_SECURITY_ADMIN_PASSWORD='long-enough-pw'$/m);
    assert.match(composeEnv, /^COMPOSE_PROFILES='demo'$/m);
    for (const file of ["datasource", "dashboardProvider"] as const) {
      assert.doesNotMatch(readFileSync(join(out, OUTPUT_LAYOUT[file]), "utf8"), /long-enough-pw|grafana-boss/);
    }
  });

  test("renders remote https with a token into a 0600 credentials file that promtool accepts, never inlining the token", async () => {
    const token = "tok-3f9a-secret";
    const { out, config } = workspace(
      `VLLM_TARGET=vllm.example.com:8443\nSCHEMA=https  # Use 'https' for remote endpoints, 'http' for local\nVLLM_METRICS_AUTH_TOKEN=${token}\n`,
    );
    const loaded = config();
    await writeStackConfig(loaded, {
      mode: "native",
      outDir: out,
      endpoints: nativeEndpoints(loaded, new Set(["prometheus"])),
      part: "prometheus",
    });
    const check = await checkPrometheusConfig(join(out, OUTPUT_LAYOUT.prometheusConfig));
    assert.equal(check.code, 0, check.output);

    const tokenFile = join(out, OUTPUT_LAYOUT.tokenFile);
    assert.equal(readFileSync(tokenFile, "utf8"), token);
    assert.equal(statSync(tokenFile).mode & 0o777, 0o600);
    assert.doesNotMatch(readFileSync(join(out, OUTPUT_LAYOUT.prometheusConfig), "utf8"), new RegExp(token));
    const vllm = job(readPrometheus(out), "vllm");
    assert.deepEqual(vllm?.authorization, { type: "Bearer", credentials_file: tokenFile });
    assert.deepEqual(readJson(join(out, OUTPUT_LAYOUT.vllmTargets)), [
      { targets: ["vllm.example.com:8443"], labels: { __scheme__: "https", __metrics_path__: "/metrics" } },
    ]);
    assert.deepEqual(
      readPrometheus(out).scrape_configs.map((entry) => entry.job_name),
      ["vllm", "prometheus"],
      "no node or gpu job without their endpoints",
    );
  });

  test("renders several targets, a URL with a path and an IPv6 target as file_sd groups promtool accepts", async () => {
    const { out, config } = workspace(
      "VLLM_TARGET=gpu-1,gpu-2:9000,https://gw.example.com/vllm/metrics,[fd00::12]:8001,http://10.0.0.5:8000/m\n",
    );
    const loaded = config();
    await writeStackConfig(loaded, { mode: "native", outDir: out, endpoints: nativeEndpoints(loaded), part: "prometheus" });
    const check = await checkPrometheusConfig(join(out, OUTPUT_LAYOUT.prometheusConfig));
    assert.equal(check.code, 0, check.output);
    assert.deepEqual(readJson(join(out, OUTPUT_LAYOUT.vllmTargets)), [
      { targets: ["gpu-1:8000", "gpu-2:9000", "[fd00::12]:8001"], labels: { __scheme__: "http", __metrics_path__: "/metrics" } },
      { targets: ["gw.example.com:443"], labels: { __scheme__: "https", __metrics_path__: "/vllm/metrics" } },
      { targets: ["10.0.0.5:8000"], labels: { __scheme__: "http", __metrics_path__: "/m" } },
    ]);
    assert.equal(job(readPrometheus(out), "gpu"), undefined, "no GPU job outside demo mode with GPU_EXPORTER=none");
  });

  test("copies the CA file next to the token and references it as ca_file, which promtool accepts", async () => {
    const { dir, out } = workspace("");
    const ca = makeCaFile(dir);
    writeFileSync(
      join(dir, ".env"),
      `VLLM_TARGET=https://vllm.internal:8000\nVLLM_TLS_CA_FILE=${ca}\nVLLM_TLS_INSECURE_SKIP_VERIFY=false\n`,
    );
    const loaded = loadSettings({ envFile: join(dir, ".env"), environment: {} });
    await writeStackConfig(loaded, { mode: "native", outDir: out, endpoints: nativeEndpoints(loaded), part: "prometheus" });
    const check = await checkPrometheusConfig(join(out, OUTPUT_LAYOUT.prometheusConfig));
    assert.equal(check.code, 0, check.output);
    assert.deepEqual(job(readPrometheus(out), "vllm")?.tls_config, {
      ca_file: join(out, OUTPUT_LAYOUT.caFile),
      insecure_skip_verify: false,
    });
    assert.equal(readFileSync(join(out, OUTPUT_LAYOUT.caFile), "utf8"), readFileSync(ca, "utf8"));
  });

  test("renders compose mode with container paths and service names, valid for promtool once mapped to the host", async () => {
    const { dir, out, config } = workspace(
      "VLLM_METRICS_AUTH_TOKEN=abc\nGPU_EXPORTER=dcgm\nVLLM_TARGETS_FILE=fleet.json\nADMIN_PASSWORD=long-enough-pw\n",
      {
        "fleet.json": JSON.stringify([{ targets: ["extra:8000"] }]),
      },
    );
    const loaded = config();
    await writeStackConfig(loaded, {
      mode: "compose",
      outDir: out,
      endpoints: composeEndpoints(loaded, expectedServices(loaded, { alertmanager: true })),
      ...admin(loaded),
    });
    const text = readFileSync(join(out, OUTPUT_LAYOUT.prometheusConfig), "utf8");
    const prometheus = parseYaml(text) as PrometheusYaml;
    const vllm = job(prometheus, "vllm");
    assert.deepEqual(vllm?.file_sd_configs?.[0]?.files, ["/etc/prometheus/targets/vllm.json", "/etc/prometheus/targets/user-fleet.json"]);
    assert.equal(vllm?.authorization?.credentials_file, "/etc/prometheus/secrets/vllm_token");
    assert.deepEqual(prometheus.rule_files, ["/etc/prometheus/rules/*.yml"]);
    assert.deepEqual(job(prometheus, "node")?.file_sd_configs?.[0]?.files, ["/etc/prometheus/targets/node.json"]);
    assert.deepEqual(readJson(join(out, OUTPUT_LAYOUT.nodeTargets)), [
      { targets: ["node-exporter:9100"], labels: { hostname: "test-host" } },
    ]);
    assert.deepEqual(
      readJson(join(out, OUTPUT_LAYOUT.gpuTargets)),
      [{ targets: ["dcgm-exporter:9400"], labels: { hostname: "test-host" } }],
      "a targets file alone is not demo mode: no simulator",
    );
    assert.deepEqual(prometheus.alerting.alertmanagers[0]?.static_configs[0]?.targets, ["alertmanager:9093"]);
    assert.deepEqual(readJson(join(out, OUTPUT_LAYOUT.vllmTargets)), []);
    assert.equal(readFileSync(join(out, "prometheus/targets/user-fleet.json"), "utf8"), readFileSync(join(dir, "fleet.json"), "utf8"));
    assert.match(readFileSync(join(out, OUTPUT_LAYOUT.composeEnv), "utf8"), /^COMPOSE_PROFILES='gpu'$/m);

    const mapped = join(out, "prometheus/mapped-to-host.yml");
    writeFileSync(mapped, text.replaceAll("/etc/prometheus", join(out, "prometheus")));
    const check = await checkPrometheusConfig(mapped);
    assert.equal(check.code, 0, check.output);
  });

  test("makes every file 0600 and every folder 0700, including the marker", async () => {
    const { out, config } = workspace("ADMIN_PASSWORD=long-enough-pw\nVLLM_METRICS_AUTH_TOKEN=t\n");
    const loaded = config();
    await writeStackConfig(loaded, { mode: "compose", outDir: out, endpoints: composeEndpoints(loaded), ...admin(loaded) });
    const walk = (path: string): void => {
      const info = statSync(path);
      assert.equal(info.mode & 0o777, info.isDirectory() ? 0o700 : 0o600, path);
      if (info.isDirectory()) for (const entry of readdirSync(path)) walk(join(path, entry));
    };
    walk(out);
    assert.ok(existsSync(join(out, OUTPUT_MARKER)));
  });

  test("removes the token file when the token is unset and leaves Grafana's files alone when rendering Prometheus", async () => {
    const { dir, out, config } = workspace("ADMIN_PASSWORD=long-enough-pw\nVLLM_METRICS_AUTH_TOKEN=t\n");
    const first = config();
    await writeStackConfig(first, { mode: "compose", outDir: out, endpoints: composeEndpoints(first), ...admin(first) });
    assert.ok(existsSync(join(out, OUTPUT_LAYOUT.tokenFile)));
    writeFileSync(join(dir, ".env"), "ADMIN_PASSWORD=long-enough-pw\n");
    const second = config();
    const result = await writeStackConfig(second, {
      mode: "compose",
      outDir: out,
      endpoints: composeEndpoints(second),
      part: "prometheus",
    });
    assert.deepEqual(result.removed, [join(out, OUTPUT_LAYOUT.tokenFile)]);
    assert.ok(existsSync(join(out, OUTPUT_LAYOUT.datasource)));
  });

  test("refuses to write into a non-empty folder that is not a vllm-monitor output folder", async () => {
    const { out, config } = workspace("");
    mkdirSync(out);
    writeFileSync(join(out, "precious.txt"), "keep me");
    const loaded = config();
    await assert.rejects(
      writeStackConfig(loaded, { mode: "compose", outDir: out, endpoints: composeEndpoints(loaded), part: "prometheus" }),
      (error: unknown) => isUserError(error) && /refusing to write into/.test(error.message),
    );
    assert.deepEqual(readdirSync(out), ["precious.txt"]);
    await assert.rejects(removeOutputTree(out), (error: unknown) => isUserError(error) && /refusing to delete/.test(error.message));
    assert.ok(existsSync(join(out, "precious.txt")));
  });

  test("reports every template problem at once and returns no files", async () => {
    const { dir, config } = workspace("");
    const templates = join(dir, "templates");
    mkdirSync(join(templates, "prometheus/scrape"), { recursive: true });
    writeFileSync(
      join(templates, "prometheus/prometheus.yml.template"),
      "a: ${SCRAPE_INTERVAL}\nb: ${PROMETHEUS_URL_TYPO}\nc: '${GPU_TARGET_FILES}'\n",
    );
    writeFileSync(join(templates, "prometheus/scrape/node.yml.template"), "");
    writeFileSync(join(templates, "prometheus/scrape/gpu.yml.template"), "");
    const loaded = config();
    const endpoints = nativeEndpoints(loaded);
    // An undeclared ${NAME} of the settings' namespace fails here, not later in Prometheus.
    await assert.rejects(
      renderStackConfig(loaded, { mode: "native", outDir: join(dir, "build"), endpoints, part: "prometheus", templatesDir: templates }),
      (error: unknown) =>
        isUserError(error) &&
        /templates\/prometheus\/prometheus\.yml\.template:2: \$\{PROMETHEUS_URL_TYPO\} is neither a setting/.test(error.message),
    );
    writeFileSync(
      join(templates, "prometheus/prometheus.yml.template"),
      "a: ${SCRAPE_INTERVAL}\nb: ${prometheus_url_typo}\nc: '${GPU_TARGET_FILES}'\n",
    );
    const rendered = await renderStackConfig(loaded, {
      mode: "native",
      outDir: join(dir, "build"),
      endpoints,
      part: "prometheus",
      templatesDir: templates,
    });
    const gpuFiles = JSON.stringify([join(dir, "build", OUTPUT_LAYOUT.gpuTargets)]);
    assert.equal(
      String(rendered.files.find((file) => file.path === OUTPUT_LAYOUT.prometheusConfig)?.content),
      `a: 2s\nb: \${prometheus_url_typo}\nc: '${gpuFiles}'\n`,
    );
    // why: the scrape fragments render before the fragment list exists, so it has no value there.
    writeFileSync(
      join(templates, "prometheus/scrape/node.yml.template"),
      "a: ${OPTIONAL_SCRAPE_CONFIGS}\nb: 1\nc: $OPTIONAL_SCRAPE_CONFIGS\n",
    );
    await assert.rejects(
      renderStackConfig(loaded, { mode: "native", outDir: join(dir, "build"), endpoints, part: "prometheus", templatesDir: templates }),
      (error: unknown) =>
        isUserError(error) &&
        error.problems.length === 2 &&
        /templates\/prometheus\/scrape\/node\.yml\.template:1: OPTIONAL_SCRAPE_CONFIGS has no value/.test(error.message) &&
        /templates\/prometheus\/scrape\/node\.yml\.template:3: OPTIONAL_SCRAPE_CONFIGS has no value/.test(error.message),
    );
    assert.equal(existsSync(join(dir, "build")), false);
  });
});
