import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { defaultKubernetesOptions, kubernetesSelectors, vllmJob } from "../../src/kubernetes/index.js";
import { ALL_TARGETS, buildMixin, defaultMixinConfig, type MixinSelectors } from "../../src/mixin/index.js";
import { ALERTS_FILE } from "../../src/mixin/rules/index.js";
import { ruleFileText } from "../../src/render/rule-file-text.js";
import { nativeEndpoints } from "../../src/render/endpoints.js";
import { renderStackConfig } from "../../src/render/stack.js";
import { runPromtool } from "../helpers/promtool.js";
import { loadSettings } from "../../src/config/load.js";

const ALERT = "ScrapeTargetDown";
const OURS = vllmJob(defaultKubernetesOptions());

/** promtool's verdict on which jobs ScrapeTargetDown fires for when `ours` and a stranger's target are both down. */
async function firingJobs(dir: string, selectors: MixinSelectors): Promise<{ code: number; output: string }> {
  const file = buildMixin({ ...defaultMixinConfig(), selectors }).ruleFiles.find((candidate) => candidate.fileName === ALERTS_FILE)!;
  await writeFile(join(dir, ALERTS_FILE), ruleFileText(file));
  const expected = selectors.scrapeTargets.length === 0 ? [OURS, "kube-state-metrics"] : [OURS];
  const rule = file.groups.flatMap((group) => group.rules).find((candidate) => "alert" in candidate && candidate.alert === ALERT);
  assert.ok(rule && "alert" in rule);
  const tests = {
    rule_files: [ALERTS_FILE],
    evaluation_interval: "1m",
    tests: [
      {
        interval: "1m",
        input_series: [
          { series: `up{job="${OURS}", instance="10.0.0.1:8000"}`, values: "0x30" },
          { series: 'up{job="kube-state-metrics", instance="10.0.0.9:8080"}', values: "0x30" },
        ],
        alert_rule_test: [
          {
            eval_time: "20m",
            alertname: ALERT,
            exp_alerts: expected.map((job) => ({
              exp_labels: { severity: "warning", job, instance: job === OURS ? "10.0.0.1:8000" : "10.0.0.9:8080" },
              exp_annotations: annotationsFor(rule.annotations, job),
            })),
          },
        ],
      },
    ],
  };
  await writeFile(join(dir, "tests.yml"), stringify(tests));
  return runPromtool(["test", "rules", join(dir, "tests.yml")]);
}

/** The alert's annotations with its templates filled in for one target, as promtool compares them. */
function annotationsFor(annotations: Readonly<Record<string, string>>, job: string): Record<string, string> {
  const instance = job === OURS ? "10.0.0.1:8000" : "10.0.0.9:8080";
  return Object.fromEntries(
    Object.entries(annotations).map(([key, value]) => [
      key,
      value
        .replace(/\{\{ \$labels\.instance \}\}/g, instance)
        .replace(/\{\{ \$labels\.job \}\}/g, job)
        .replace(/\{\{ \$value \}\}/g, "0"),
    ]),
  );
}

describe("job selectors of the mixin", () => {
  let dir = "";
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "selectors-"));
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test("our own stack pages for every target of its Prometheus", async () => {
    const result = await firingJobs(dir, ALL_TARGETS);
    assert.equal(result.code, 0, result.output);
  });

  test("in a shared cluster Prometheus ScrapeTargetDown pages for the mixin's targets only, not a stranger's", async () => {
    const result = await firingJobs(dir, kubernetesSelectors(defaultKubernetesOptions()));
    assert.equal(result.code, 0, result.output);
  });

  test("conf rules scopes ScrapeTargetDown to the stack's own jobs, every job of its prometheus.yml, for a central ruler", async () => {
    await writeFile(join(dir, ".env"), "VLLM_TARGET=vllm.internal:8000\nADMIN_PASSWORD=x-test-only\n");
    const settings = loadSettings({ envFile: join(dir, ".env"), environment: {}, hostName: "test-host" });
    const render = (part: "rules" | "prometheus") =>
      renderStackConfig(settings, { outDir: join(dir, "out"), mode: "native", part, endpoints: nativeEndpoints(settings) });
    const alerts = String((await render("rules")).files.find((file) => file.path.endsWith(ALERTS_FILE))?.content);
    assert.match(alerts, /up\{job=~"vllm\|gpu\|node\|prometheus"\} == 0/);
    const config = (await render("prometheus")).files.find((file) => file.path.endsWith("prometheus.yml"));
    assert.ok(config, "prometheus.yml is rendered");
    const jobs = (parse(String(config.content)) as { scrape_configs: { job_name: string }[] }).scrape_configs.map((job) => job.job_name);
    const scope = ["vllm", "gpu", "node", "prometheus"];
    assert.deepEqual(
      jobs.filter((job) => !scope.includes(job)),
      [],
      "the scope names every job the stack scrapes",
    );
  });

  test("the committed PrometheusRule carries the scoped alert", async () => {
    const text = await readFile(join("deploy", "kubernetes", "base", "vllm-monitor-rules.yaml"), "utf8");
    assert.match(
      text,
      new RegExp(`up\\{job="${OURS}"\\} == 0 or up\\{job="nvidia-dcgm-exporter"\\} == 0 or up\\{job="node-exporter"\\} == 0`),
    );
  });
});
