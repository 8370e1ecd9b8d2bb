import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { knownSeriesNames, vllm } from "../../src/catalog/index.js";
import { loadSettings, type Settings } from "../../src/config/load.js";
import { buildMixin, seriesReadByMixin } from "../../src/mixin/index.js";
import { composeEndpoints, nativeEndpoints } from "../../src/render/endpoints.js";
import { OUTPUT_LAYOUT } from "../../src/render/layout.js";
import { renderStackConfig } from "../../src/render/stack.js";
import { writeStackConfig } from "../../src/stack/configure.js";
import { waitUntil } from "../../src/process/index.js";
import { runCli } from "../helpers/cli.js";
import { startPrometheus } from "../helpers/prometheus.js";
import { runPromtool } from "../helpers/promtool.js";
import { useTemporaryDirs } from "../helpers/temporary.js";

interface RemoteWrite {
  url: string;
  authorization?: { type: string; credentials_file: string };
  basic_auth?: { username: string; password_file: string };
  tls_config?: { ca_file: string };
  write_relabel_configs: { source_labels: string[]; regex: string; action: string }[];
}

interface PrometheusYaml {
  global: { external_labels: Record<string, string> };
  rule_files: string[];
  alerting: Record<string, unknown>;
  remote_write: RemoteWrite[];
  scrape_configs: {
    job_name: string;
    file_sd_configs?: { files: string[] }[];
    metric_relabel_configs?: { regex: string; action: string }[];
  }[];
}

const PORTS = "PROMETHEUS_PORT=19090\nSIMULATOR_PORT=18000\nSIMULATOR_GPU_PORT=19400\nNODE_EXPORTER_PORT=19100\n";
const temporaryDir = useTemporaryDirs();

function workspace(envText: string, files: Record<string, string> = {}): { dir: string; out: string; settings: Settings } {
  const dir = temporaryDir("vllm-monitor-fleet-render-");
  writeFileSync(join(dir, ".env"), PORTS + envText);
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return { dir, out: join(dir, "build"), settings: loadSettings({ envFile: join(dir, ".env"), environment: {}, hostName: "gpu-node-7" }) };
}

const readConfig = (out: string): PrometheusYaml =>
  parseYaml(readFileSync(join(out, OUTPUT_LAYOUT.prometheusConfig), "utf8")) as PrometheusYaml;
const fullMatch = (regex: string, text: string): boolean => new RegExp(`^(?:${regex})$`).test(text);

describe("rendering for a fleet", () => {
  test("an agent loads no rules and sends no alerts, keeps its token in a 0600 file, and promtool accepts it in agent mode", async () => {
    const { dir, out, settings } = workspace(
      "PROMETHEUS_MODE=agent\nREMOTE_WRITE_URL=https://vm.example.com/api/v1/write\nREMOTE_WRITE_BEARER_TOKEN=agent-token-42\nREMOTE_WRITE_CA_FILE=ca.pem\nMONITOR_NAME=rack-3\n",
      {
        "ca.pem": "-----BEGIN CERTIFICATE-----\nnot checked by promtool\n-----END CERTIFICATE-----\n",
      },
    );
    await writeStackConfig(settings, { mode: "native", outDir: out, endpoints: nativeEndpoints(settings), part: "prometheus" });
    const check = await runPromtool(["check", "config", "--agent", join(out, OUTPUT_LAYOUT.prometheusConfig)]);
    assert.equal(check.code, 0, check.output);
    const config = readConfig(out);
    assert.deepEqual(config.rule_files, []);
    assert.deepEqual(config.alerting, {});
    assert.equal(existsSync(join(out, OUTPUT_LAYOUT.rulesDir)), false, "no rule file is written for an agent");
    assert.deepEqual(config.global.external_labels, { monitor: "rack-3" });
    const [remote] = config.remote_write;
    assert.equal(remote?.url, "https://vm.example.com/api/v1/write");
    assert.deepEqual(remote?.authorization, { type: "Bearer", credentials_file: join(out, OUTPUT_LAYOUT.remoteWriteTokenFile) });
    assert.deepEqual(remote?.tls_config, { ca_file: join(out, OUTPUT_LAYOUT.remoteWriteCaFile) });
    assert.equal(readFileSync(join(out, OUTPUT_LAYOUT.remoteWriteTokenFile), "utf8"), "agent-token-42");
    assert.equal(statSync(join(out, OUTPUT_LAYOUT.remoteWriteTokenFile)).mode & 0o777, 0o600);
    assert.equal(readFileSync(join(out, OUTPUT_LAYOUT.remoteWriteCaFile), "utf8"), readFileSync(join(dir, "ca.pem"), "utf8"));
    assert.ok(!readFileSync(join(out, OUTPUT_LAYOUT.prometheusConfig), "utf8").includes("agent-token-42"), "the token is never inlined");
    // Nothing reads a series on an agent: each job keeps at the scrape only what remote write sends.
    for (const job of config.scrape_configs) {
      const keep = job.metric_relabel_configs?.find((rule) => rule.action === "keep");
      assert.equal(keep?.regex, remote?.write_relabel_configs[0]?.regex, `${job.job_name} keeps only the series sent`);
    }
  });

  test("a server with remote write keeps its rules, sends basic auth through password_file, and promtool accepts it", async () => {
    const { out, settings } = workspace(
      "REMOTE_WRITE_URL=http://mimir:9009/api/v1/push\nREMOTE_WRITE_USERNAME=tenant-1\nREMOTE_WRITE_PASSWORD=s3cr3t-pw\nADMIN_PASSWORD=long-enough-pw\n",
    );
    await writeStackConfig(settings, { mode: "native", outDir: out, endpoints: nativeEndpoints(settings), part: "prometheus" });
    const check = await runPromtool(["check", "config", join(out, OUTPUT_LAYOUT.prometheusConfig)]);
    assert.equal(check.code, 0, check.output);
    const config = readConfig(out);
    assert.deepEqual(config.rule_files, [join(out, "prometheus/rules/*.yml")]);
    assert.deepEqual(config.remote_write[0]?.basic_auth, {
      username: "tenant-1",
      password_file: join(out, OUTPUT_LAYOUT.remoteWritePasswordFile),
    });
    assert.equal(readFileSync(join(out, OUTPUT_LAYOUT.remoteWritePasswordFile), "utf8"), "s3cr3t-pw");
    assert.ok(!readFileSync(join(out, OUTPUT_LAYOUT.prometheusConfig), "utf8").includes("s3cr3t-pw"));
    assert.ok(
      config.scrape_configs.every((job) => !(job.metric_relabel_configs ?? []).some((rule) => rule.action === "keep")),
      "a server keeps everything for its own dashboards and rules",
    );
  });

  test("sends exactly the series some dashboard or rule reads", async () => {
    const { out, settings } = workspace("REMOTE_WRITE_URL=http://vm:8428/api/v1/write\n");
    await writeStackConfig(settings, { mode: "native", outDir: out, endpoints: nativeEndpoints(settings), part: "prometheus" });
    const keep = readConfig(out).remote_write[0]?.write_relabel_configs ?? [];
    assert.equal(keep.length, 1);
    assert.deepEqual([keep[0]?.source_labels, keep[0]?.action], [["__name__"], "keep"]);
    const read = new Set(seriesReadByMixin(buildMixin()));
    for (const name of knownSeriesNames()) assert.equal(fullMatch(keep[0]?.regex ?? "", name), read.has(name), name);
    for (const name of [
      "up",
      `${vllm.timeToFirstToken.name}_bucket`,
      vllm.kvCacheUsagePerc.name,
      "DCGM_FI_DEV_GPU_TEMP",
      "nvidia_smi_temperature_gpu",
      "node_load1",
    ])
      assert.ok(read.has(name), name);
    for (const name of [
      `${vllm.timeToFirstToken.name}_sum`,
      "python_gc_objects_collected_total",
      "node_boot_time_seconds",
      "DCGM_FI_DEV_MEM_CLOCK",
      "prometheus_tsdb_head_series",
    ]) {
      assert.equal(fullMatch(keep[0]?.regex ?? "", name), false, `${name} is not sent`);
    }
  });

  test("labels every target with its host through a real Prometheus: file_sd overrides, loopback is this machine, the stack's own exporter gives way to a listed one", async () => {
    const { out, settings } = workspace(
      "VLLM_TARGET=127.0.0.1:8000,gpu-1.example.com:8000\nADMIN_PASSWORD=long-enough-pw\nNODE_EXPORTER_TARGETS=gpu-1.example.com,[fd00::1]:9100\nNODE_EXPORTER_TARGETS_FILE=nodes.json\nGPU_EXPORTER_TARGETS=localhost:9400\n",
      { "nodes.json": JSON.stringify([{ targets: ["127.0.0.1:19100", "10.0.0.9:9100"], labels: { hostname: "rack-3-node-9" } }]) },
    );
    await writeStackConfig(settings, { mode: "native", outDir: out, endpoints: nativeEndpoints(settings), part: "prometheus" });
    assert.deepEqual(
      JSON.parse(readFileSync(join(out, OUTPUT_LAYOUT.nodeTargets), "utf8")),
      [{ targets: ["gpu-1.example.com:9100", "[fd00::1]:9100"], labels: { __scheme__: "http", __metrics_path__: "/metrics" } }],
      "the stack's own node_exporter (127.0.0.1:19100) is scraped once, as the file lists it",
    );
    const prometheus = await startPrometheus({ config: readFileSync(join(out, OUTPUT_LAYOUT.prometheusConfig), "utf8") });
    try {
      // why: file_sd discovery fills the target list a moment after Prometheus is ready.
      await waitUntil(async () => (await prometheus.targets()).length === 8, {
        what: "every target discovered",
        timeoutMs: 30_000,
        intervalMs: 200,
      });
      const targets = await prometheus.targets();
      const hostOf = (job: string, instance: string) =>
        targets.find((target) => target.labels.job === job && target.labels.instance === instance)?.labels.hostname;
      assert.equal(hostOf("vllm", "127.0.0.1:8000"), "gpu-node-7");
      assert.equal(hostOf("vllm", "gpu-1.example.com:8000"), "gpu-1.example.com");
      assert.equal(hostOf("node", "gpu-1.example.com:9100"), "gpu-1.example.com");
      assert.equal(hostOf("node", "[fd00::1]:9100"), "fd00::1");
      assert.equal(hostOf("node", "127.0.0.1:19100"), "rack-3-node-9");
      assert.equal(hostOf("node", "10.0.0.9:9100"), "rack-3-node-9");
      assert.equal(hostOf("gpu", "localhost:9400"), "gpu-node-7");
      assert.equal(hostOf("prometheus", "127.0.0.1:19090"), "gpu-node-7");
      assert.equal(targets.filter((target) => target.labels.instance === "127.0.0.1:19100").length, 1);
    } finally {
      await prometheus.stop();
    }
  });

  test("compose.env starts Prometheus as an agent with the flag of the image's major version, and as a server by default", async () => {
    const agent = workspace("PROMETHEUS_MODE=agent\nREMOTE_WRITE_URL=http://vm:8428/api/v1/write\n");
    const composeEnv = async (settings: Settings, major: number) => {
      const rendered = await renderStackConfig(settings, {
        mode: "compose",
        outDir: agent.out,
        endpoints: composeEndpoints(settings),
        part: "prometheus",
        prometheusVersion: { major, minor: 42, text: `${major}.42.0` },
      });
      return String(rendered.files.find((file) => file.path === OUTPUT_LAYOUT.composeEnv)?.content);
    };
    assert.match(
      await composeEnv(agent.settings, 3),
      /^PROMETHEUS_STORAGE_ARG='--storage\.agent\.path=\/prometheus\/agent'\nPROMETHEUS_MODE_ARG='--agent'$/m,
    );
    assert.match(await composeEnv(agent.settings, 2), /^PROMETHEUS_MODE_ARG='--enable-feature=agent'$/m);
    const server = workspace("");
    assert.match(
      await composeEnv(server.settings, 3),
      /^PROMETHEUS_STORAGE_ARG='--storage\.tsdb\.path=\/prometheus'\nPROMETHEUS_MODE_ARG='--storage\.tsdb\.retention\.time=15d'$/m,
    );
  });

  test("conf rules writes only the rule files, with the user's alert for: scale, for a central ruler", async () => {
    const dir = temporaryDir("vllm-monitor-fleet-rules-");
    writeFileSync(join(dir, ".env"), "ALERT_FOR_SCALE=0.5\n");
    const result = await runCli(["conf", "rules", "--out", "central"], { cwd: dir });
    assert.equal(result.code, 0, result.output);
    assert.deepEqual(readdirSync(join(dir, "central", OUTPUT_LAYOUT.rulesDir)).sort(), ["vllm-alerts.yml", "vllm-recording.yml"]);
    assert.deepEqual(readdirSync(join(dir, "central")).sort(), [".vllm-monitor-output", "prometheus"]);
    assert.match(
      readFileSync(join(dir, "central", OUTPUT_LAYOUT.rulesDir, "vllm-alerts.yml"), "utf8"),
      /alert: ScrapeTargetDown\n\s+expr: up\{job=~"vllm\|gpu\|node\|prometheus"\} == 0\n\s+for: 90s/,
    );
  });
});
