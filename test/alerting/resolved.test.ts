import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { waitUntil } from "../../src/process/index.js";
import { dcgm } from "../../src/catalog/index.js";
import { createWorkspace, waitForQuery, type Workspace } from "../e2e/harness.js";
import { startHttpSinks, type HttpSinks } from "../helpers/notification-sinks.js";

interface WebhookAlert {
  readonly status: string;
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
}
interface WebhookBody {
  readonly status: string;
  readonly alerts: readonly WebhookAlert[];
}

/**
 * The thermal fault as injected: longer than the test waits for the firing notification. The test
 * ends the fault as soon as that notification is in, so it waits for neither a fixed margin over the
 * heating time and the `for:` nor a fault that outlasts them.
 */
const THROTTLE_SECONDS = 300;

/** What the webhook got and what Prometheus holds, for a failure message. */
async function seen(workspace: Workspace, sinks: HttpSinks): Promise<string> {
  const got = ((sinks.received.get("/webhook") ?? []) as WebhookBody[])
    .flatMap((body) => body.alerts)
    .map((alert) => `${alert.labels.alertname}/${alert.status}`);
  const ask = async (expr: string) => {
    const answer = await fetch(`${workspace.prometheusUrl}/api/v1/query?query=${encodeURIComponent(expr)}`).catch((e: Error) => e);
    return answer instanceof Error ? answer.message : JSON.stringify(((await answer.json()) as { data?: unknown }).data);
  };
  return `webhook got [${got.join(", ")}]; GPU temperature: ${await ask(dcgm.gpuTemp.name)}; alerts: ${await ask("ALERTS")}`;
}

// Real processes: `up --native` in demo mode (simulator, Prometheus, Alertmanager) with a webhook in
// .env; the simulator's GPU is throttled by heat for a while, then cools down on its own.
describe("a GPU fault that ends", () => {
  let workspace: Workspace;
  let sinks: HttpSinks;

  before(async () => {
    sinks = await startHttpSinks();
    // why: 0.01 turns GpuTemperatureHigh's 10m `for:` into 6 s (six evaluations), Alertmanager's group_wait into 1 s and its
    // group_interval (the wait for the resolved notification) into 3 s.
    workspace = await createWorkspace({ ALERT_WEBHOOK_URL: sinks.webhookUrl, ALERT_FOR_SCALE: "0.01" });
  });
  after(async () => {
    await workspace?.cleanup();
    await sinks?.close();
  });

  test("is notified firing as a warning with its summary and runbook, then resolved once the GPU has cooled", async () => {
    const up = await workspace.cli(["up", "--native", "--detach"]);
    assert.equal(up.code, 0, up.output);
    await waitForQuery(workspace.prometheusUrl, `${dcgm.gpuTemp.name} < 85`, (samples) => samples.length > 0);
    const throttle = (seconds: number) =>
      fetch(`http://127.0.0.1:${workspace.ports.simulatorGpu}/faults/throttle?gpu=0&reason=thermal&seconds=${seconds}`, {
        method: "POST",
      });
    const injected = await throttle(THROTTLE_SECONDS);
    assert.ok(injected.ok, `the simulator took the fault: HTTP ${injected.status}`);

    const hot = (status: string) => (): WebhookAlert | undefined =>
      ((sinks.received.get("/webhook") ?? []) as WebhookBody[])
        .flatMap((body) => body.alerts)
        .find((alert) => alert.labels.alertname === "GpuTemperatureHigh" && alert.status === status);
    await waitUntil(() => hot("firing")() !== undefined, {
      what: "the GpuTemperatureHigh notification at the webhook",
      timeoutMs: 120_000,
      intervalMs: 500,
    }).catch(async (error: Error) => {
      throw new Error(`${error.message}; ${await seen(workspace, sinks)}`);
    });
    const firing = hot("firing")()!;
    assert.equal(firing.labels.severity, "warning");
    assert.equal(firing.labels.gpu, "0");
    assert.match(firing.annotations.summary ?? "", /is hot/);
    assert.match(firing.annotations.runbook_url ?? "", /runbooks\.md#gputemperaturehigh$/);
    assert.equal(hot("resolved")(), undefined, "resolved before the GPU cooled");

    // The fault ends now (a throttle of 0 s ends at the simulator's next step): the GPU cools.
    const ended = await throttle(0);
    assert.ok(ended.ok, `the simulator ended the fault: HTTP ${ended.status}`);
    await waitUntil(() => hot("resolved")() !== undefined, {
      what: "the resolved GpuTemperatureHigh notification after the throttling ended",
      timeoutMs: 120_000,
      intervalMs: 500,
    }).catch(async (error: Error) => {
      throw new Error(`${error.message}; ${await seen(workspace, sinks)}`);
    });
    const temperature = await waitForQuery(workspace.prometheusUrl, `${dcgm.gpuTemp.name}{gpu="0"} < 85`, (samples) => samples.length > 0);
    assert.ok(temperature.length > 0, "the GPU is below the threshold again");
    const resolved = hot("resolved")()!;
    assert.equal(resolved.labels.gpu, "0");
    assert.match(resolved.annotations.runbook_url ?? "", /#gputemperaturehigh$/);
  });
});
