import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { waitUntil } from "../../src/process/index.js";
import { dcgm } from "../../src/catalog/index.js";
import { createWorkspace, waitForQuery, type Workspace } from "../e2e/harness.js";
import { startHttpSinks, type HttpSinks } from "../helpers/notification-sinks.js";

interface WebhookBody {
  readonly status: string;
  readonly alerts: readonly { status: string; labels: Record<string, string>; annotations: Record<string, string> }[];
}
interface SlackBody {
  readonly attachments: readonly { title: string; text: string }[];
}

async function allFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}

// Real processes: `up --native` in demo mode (simulator, Prometheus, Alertmanager), with only a webhook and Slack in .env.
describe("up --native with only ALERT_WEBHOOK_URL and ALERT_SLACK_WEBHOOK_URL", () => {
  let workspace: Workspace;
  let sinks: HttpSinks;
  // why: a Slack-looking URL whose path is unique, so finding it anywhere is unambiguous.
  let slackUrl = "";

  before(async () => {
    sinks = await startHttpSinks();
    slackUrl = `${sinks.slackUrl}?token=slack-url-secret-${process.pid}`;
    workspace = await createWorkspace({ ALERT_WEBHOOK_URL: sinks.webhookUrl, ALERT_SLACK_WEBHOOK_URL: slackUrl, ALERT_FOR_SCALE: "0.033" });
  });
  after(async () => {
    await workspace?.cleanup();
    await sinks?.close();
  });

  test("delivers an injected Xid 79 to both as a critical notification with its summary and runbook, and the Slack URL is only in its 0600 file", async () => {
    const up = await workspace.cli(["up", "--native", "--detach"]);
    assert.equal(up.code, 0, up.output);
    // why: the rule fires on a change of the Xid gauge, so Prometheus must have seen it at 0 first.
    await waitForQuery(workspace.prometheusUrl, `${dcgm.xidErrors.name} == 0`, (samples) => samples.length > 0);
    const injected = await fetch(`http://127.0.0.1:${workspace.ports.simulatorGpu}/faults/xid?gpu=0&code=79`, { method: "POST" });
    assert.ok(injected.ok, `the simulator took the fault: HTTP ${injected.status}`);

    const xidIn = (bodies: unknown[] | undefined, pick: (body: never) => boolean): boolean =>
      (bodies ?? []).some((body) => pick(body as never));
    await waitUntil(
      () =>
        xidIn(sinks.received.get("/webhook"), (body: WebhookBody) =>
          body.alerts.some((alert) => alert.labels.alertname === "GpuXidError"),
        ) &&
        xidIn(sinks.received.get("/slack"), (body: SlackBody) =>
          body.attachments.some((attachment) => attachment.title.includes("GpuXidError")),
        ),
      { what: "the Xid 79 notification at the webhook and Slack", timeoutMs: 120_000, intervalMs: 500 },
    );
    const webhook = (sinks.received.get("/webhook") as WebhookBody[]).find((body) =>
      body.alerts.some((alert) => alert.labels.alertname === "GpuXidError"),
    );
    const xid = webhook?.alerts.find((alert) => alert.labels.alertname === "GpuXidError");
    assert.equal(xid?.labels.severity, "critical");
    assert.equal(xid?.labels.xid, "79");
    assert.match(xid?.annotations.summary ?? "", /^Xid 79 on GPU 0/);
    assert.match(xid?.annotations.runbook_url ?? "", /#gpuxiderror$/);
    const slack = (sinks.received.get("/slack") as SlackBody[]).find((body) =>
      body.attachments.some((attachment) => attachment.title.includes("GpuXidError")),
    );
    assert.match(slack?.attachments[0]?.title ?? "", /^\[FIRING:\d+\] critical: GpuXidError/);
    assert.match(slack?.attachments[0]?.text ?? "", /Xid 79 on GPU 0[\s\S]*Runbook: \S+#gpuxiderror/);

    const holders: string[] = [];
    for (const file of await allFiles(workspace.dir)) {
      if ((await readFile(file)).includes(slackUrl)) holders.push(file.slice(workspace.dir.length + 1));
    }
    assert.ok(!up.output.includes(slackUrl), "not in up's output");
    assert.deepEqual(
      holders.filter((file) => file !== ".env"),
      ["build/alertmanager/secrets/slack_api_url"],
      "only the .env and the secret file hold the Slack URL (logs, configs and the registry do not)",
    );
  });
});
