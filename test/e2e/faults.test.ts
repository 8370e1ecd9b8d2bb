import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { scrape, vllm } from "../../src/catalog/index.js";
import { findFreePort } from "../../src/process/index.js";
import { ALL_TARGETS, buildMixin, defaultThresholdInputs, thresholds } from "../../src/mixin/index.js";
import { defaultValue } from "../../src/config/schema.js";
import { startSimulator, type RunningSimulator } from "../../src/simulator/index.js";
import { createWorkspace, queryRangeValues, waitForQuery, type Workspace } from "./harness.js";
import { panelQueries } from "./panels.js";

interface AlertRuleYaml {
  readonly alert?: string;
  readonly expr?: string;
  readonly for?: string;
}

/**
 * Every `for:` a hundredth as long, so the target-down alert (3m) fires after 2 s rather than minutes:
 * still two evaluations pending (1 s interval) before it fires, and the test waits for firing itself.
 */
const FOR_SCALE = 0.01;

/** The alert on `up == 0`, as rendered with ALERT_FOR_SCALE, and its `for:` in seconds. */
function targetDownAlert(): { name: string; forSeconds: number } {
  const mixin = buildMixin({
    thresholds: thresholds({ ...defaultThresholdInputs(), forScale: FOR_SCALE }),
    runbookBaseUrl: defaultValue("RUNBOOK_BASE_URL"),
    selectors: ALL_TARGETS,
  });
  const rules: AlertRuleYaml[] = mixin.ruleFiles.flatMap((file) => file.groups.flatMap((group) => group.rules));
  const rule = rules.find((candidate) => candidate.alert !== undefined && /^up\s*==\s*0$/.test(candidate.expr ?? ""));
  assert.ok(rule?.alert, "an alert on up == 0 ships with the rules");
  const match = /^(\d+)([smh])$/.exec(rule.for ?? "0s");
  const unit = { s: 1, m: 60, h: 3600 }[(match?.[2] ?? "s") as "s" | "m" | "h"];
  return { name: rule.alert, forSeconds: Number(match?.[1] ?? 0) * unit };
}

// Real processes: an external simulator as the target, Debian's Prometheus evaluating the shipped rules.
describe("native stack when the vLLM target fails and comes back", () => {
  let workspace: Workspace;
  let simulator: RunningSimulator | undefined;
  let port: number;
  before(async () => {
    port = await findFreePort();
    simulator = await startSimulator({ port, seed: 11 });
    workspace = await createWorkspace({ VLLM_TARGET: `127.0.0.1:${port}`, ALERT_FOR_SCALE: String(FOR_SCALE) });
  });
  after(async () => {
    await workspace.cleanup();
    await simulator?.close();
  });

  test("a killed target turns up to 0 and fires the target-down alert; after a restart the counters reset and rates and every panel recover without negative values", async () => {
    const alert = targetDownAlert();
    const instance = `127.0.0.1:${port}`;
    const up = await workspace.cli(["up", "--native", "--detach"]);
    assert.equal(up.code, 0, up.output);
    const counter = `${vllm.generationTokens.name}{instance="${instance}"}`;
    await waitForQuery(workspace.prometheusUrl, `rate(${counter}[4s])`, (samples) => samples.some((sample) => sample.value > 0));
    const start = Math.floor(Date.now() / 1000);

    await simulator?.close();
    simulator = undefined;
    await waitForQuery(workspace.prometheusUrl, `${scrape.up.name}{instance="${instance}"}`, (samples) =>
      samples.some((sample) => sample.value === 0),
    );
    await waitForQuery(
      workspace.prometheusUrl,
      `ALERTS{alertname="${alert.name}", instance="${instance}"}`,
      (samples) => samples.length > 0,
    );
    await waitForQuery(
      workspace.prometheusUrl,
      `ALERTS{alertname="${alert.name}", instance="${instance}", alertstate="firing"}`,
      (samples) => samples.length > 0,
      (alert.forSeconds + 30) * 1000,
    );

    simulator = await startSimulator({ port, seed: 12 });
    await waitForQuery(workspace.prometheusUrl, `${scrape.up.name}{instance="${instance}"}`, (samples) =>
      samples.some((sample) => sample.value === 1),
    );
    await waitForQuery(workspace.prometheusUrl, `rate(${counter}[4s])`, (samples) => samples.some((sample) => sample.value > 0));
    const end = Math.ceil(Date.now() / 1000);
    const window = `${end - start + 10}s`;
    const resets = await waitForQuery(workspace.prometheusUrl, `resets(${counter}[${window}])`, (samples) => samples.length > 0);
    assert.ok(
      resets.some((sample) => sample.value >= 1),
      `the restarted counter was seen to reset: ${JSON.stringify(resets)}`,
    );
    const rates = await queryRangeValues(workspace.prometheusUrl, `rate(${counter}[4s])`, start, end, 1);
    assert.ok(rates.length > 0, "rates exist over the outage");
    assert.ok(Math.min(...rates) >= 0, `no negative rate across the restart (min ${Math.min(...rates)})`);
    const negative: string[] = [];
    for (const { query: panel, promql } of [...panelQueries(1, "recorded"), ...panelQueries(1, "raw")]) {
      const values = await queryRangeValues(workspace.prometheusUrl, promql, start, end, 1);
      if (values.some((value) => value < 0))
        negative.push(`${panel.dashboardUid} / ${panel.panelTitle} (${panel.refId}): min ${Math.min(...values)}`);
    }
    assert.deepEqual(negative, [], "no dashboard panel dips below zero across the restart");
  });
});
