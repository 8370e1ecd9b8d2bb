import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findFreePort, startProcess, waitForHttp, waitUntil, type ManagedProcess } from "../../src/process/index.js";
import { alertingRuleObject } from "../../src/mixin/rules/index.js";
import { buildMixin } from "../../src/mixin/index.js";
import { runCli } from "../helpers/cli.js";
import { startHttpSinks, startSmtpSink, type HttpSinks, type SmtpSink } from "../helpers/notification-sinks.js";

const ALERTMANAGER = process.env.ALERTMANAGER_BIN ?? "/usr/bin/prometheus-alertmanager";
const PAGERDUTY_KEY = "pagerdutytestkey0123456789abcdef";

interface WebhookBody {
  readonly status: string;
  readonly alerts: readonly { status: string; labels: Record<string, string>; annotations: Record<string, string> }[];
}
interface SlackBody {
  readonly attachments: readonly { title: string; title_link: string; text: string }[];
}
interface PagerdutyBody {
  readonly routing_key: string;
  readonly event_action: string;
  readonly payload: { summary: string; severity: string; custom_details: Record<string, string> };
  readonly links: readonly { href: string; text: string }[];
}

// Real processes: Debian's Alertmanager rendered by `conf`, delivering to local HTTP endpoints and aiosmtpd.
describe("a real Alertmanager with every destination set", () => {
  let root = "";
  let sinks: HttpSinks;
  let smtp: SmtpSink;
  let alertmanager: ManagedProcess | undefined;
  let alertmanagerUrl = "";
  let envFile = "";
  const log: string[] = [];

  before(async () => {
    root = await mkdtemp(join(tmpdir(), "alert-delivery-"));
    sinks = await startHttpSinks();
    smtp = await startSmtpSink();
    const port = await findFreePort();
    envFile = join(root, ".env");
    const variables = {
      VLLM_TARGET: "127.0.0.1:8000",
      ADMIN_PASSWORD: "a-long-test-password",
      ALERTMANAGER_PORT: String(port),
      ALERT_WEBHOOK_URL: sinks.webhookUrl,
      ALERT_SLACK_WEBHOOK_URL: sinks.slackUrl,
      ALERT_PAGERDUTY_ROUTING_KEY: PAGERDUTY_KEY,
      ALERT_PAGERDUTY_URL: sinks.pagerdutyUrl,
      ALERT_EMAIL_TO: "oncall@example.com",
      ALERT_EMAIL_FROM: "alertmanager@example.com",
      ALERT_SMTP_HOST: smtp.address,
      ALERT_SMTP_REQUIRE_TLS: "false",
      ALERT_DASHBOARD_URL: "https://grafana.example.com",
      // why: Alertmanager's group_wait 30 s → 3 s, which the target-down notification waits out (the inhibit rules act at
      // each flush, and all the alerts are posted at once, so even 3 s is ample for the inhibitor to know its sources).
      ALERT_FOR_SCALE: "0.1",
    };
    await writeFile(
      envFile,
      Object.entries(variables)
        .map(([key, value]) => `${key}=${value}\n`)
        .join(""),
    );
    const rendered = await runCli(["conf", "prometheus", "--mode", "native", "--env-file", envFile, "--out", join(root, "build")], {
      cwd: root,
    });
    assert.equal(rendered.code, 0, rendered.output);
    alertmanager = startProcess({
      name: "alertmanager",
      command: ALERTMANAGER,
      args: [
        `--config.file=${join(root, "build", "alertmanager", "alertmanager.yml")}`,
        `--web.listen-address=127.0.0.1:${port}`,
        `--storage.path=${join(root, "data")}`,
        "--cluster.listen-address=",
      ],
      onLine: (line) => log.push(line),
    });
    alertmanagerUrl = `http://127.0.0.1:${port}`;
    await waitForHttp(`${alertmanagerUrl}/-/ready`, { timeoutMs: 30_000 });
  });

  after(async () => {
    await alertmanager?.stop();
    await sinks?.close();
    await smtp?.close();
    await rm(root, { recursive: true, force: true });
  });

  test("`alert test` reaches the webhook, Slack, PagerDuty and e-mail and reports each as delivered", async () => {
    const result = await runCli(["alert", "test", "--env-file", envFile, "--timeout", "60"], { cwd: root });
    assert.equal(result.code, 0, `${result.output}\n${log.join("\n")}`);
    for (const destination of ["pagerduty", "slack", "email", "webhook"])
      assert.match(result.output, new RegExp(`${destination}\\s+delivered`));

    const webhook = sinks.received.get("/webhook")?.[0] as WebhookBody;
    assert.equal(webhook.status, "firing");
    assert.equal(webhook.alerts[0]?.labels.alertname, "VllmMonitorTestAlert");
    assert.match(webhook.alerts[0]?.annotations.runbook_url ?? "", /#vllmmonitortestalert$/);

    const slack = sinks.received.get("/slack")?.[0] as SlackBody;
    const attachment = slack.attachments[0];
    assert.match(attachment?.title ?? "", /^\[FIRING:1\] warning: VllmMonitorTestAlert/);
    assert.match(
      attachment?.title_link ?? "",
      /^https:\/\/grafana\.example\.com\/d\/vllm-user-overview\?orgId=1&var-instance=vllm-monitor-alert-test/,
    );
    assert.match(attachment?.text ?? "", /Test notification from vllm-monitor alert test/);
    assert.match(attachment?.text ?? "", /Where: instance vllm-monitor-alert-test/);
    assert.match(attachment?.text ?? "", /Runbook: https:\/\/\S+#vllmmonitortestalert/);

    const pagerduty = sinks.received.get("/pagerduty")?.[0] as PagerdutyBody;
    assert.equal(pagerduty.routing_key, PAGERDUTY_KEY);
    assert.equal(pagerduty.event_action, "trigger");
    assert.equal(pagerduty.payload.severity, "warning");
    assert.deepEqual(
      pagerduty.links.map((link) => link.text),
      ["Grafana dashboard", "Runbook"],
    );
    assert.match(pagerduty.links[1]?.href ?? "", /#vllmmonitortestalert$/);

    await waitUntil(() => smtp.messages().length > 0, { what: "an e-mail in aiosmtpd", timeoutMs: 10_000, intervalMs: 100 });
    const mail = smtp.messages()[0] ?? "";
    assert.match(mail, /Subject: \[FIRING:1\] warning: VllmMonitorTestAlert/);
    assert.match(mail, /Test notification from vllm-monitor alert test/);
    assert.match(mail, /To: oncall@example\.com/);
  });

  test("a down target suppresses the latency and saturation alerts of its instance, a critical alert the warning of the same alert and instance, and a paging burn-rate tier the ticket tiers of its objective", async () => {
    const target = { job: "vllm", instance: "gpu-host-9:8000" };
    // The burn-rate tiers with the labels our rules give them (severity, slo), as Prometheus would send them.
    const mixin = buildMixin();
    const tierLabels = (name: string): Record<string, string> => {
      const rule = mixin.alerts.find((candidate) => candidate.alert === name);
      assert.ok(rule, `no alert ${name} in the mixin`);
      return { ...alertingRuleObject(rule, "").labels, alertname: name, job: "vllm", model_name: "llama" };
    };
    const now = new Date();
    const alert = (labels: Record<string, string>) => ({
      labels,
      annotations: { summary: labels.alertname ?? "" },
      startsAt: now.toISOString(),
    });
    const posted = await fetch(`${alertmanagerUrl}/api/v2/alerts`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify([
        alert({ ...target, alertname: "ScrapeTargetDown", severity: "warning", hostname: "gpu-host-9" }),
        alert({ ...target, alertname: "VllmQueueBuilding", severity: "warning", model_name: "llama" }),
        alert({ ...target, alertname: "VllmKvCacheNearFull", severity: "warning", model_name: "llama" }),
        alert({ job: "vllm", instance: "gpu-host-8:8000", alertname: "VllmQueueBuilding", severity: "warning", model_name: "llama" }),
        alert({ job: "dcgm", instance: "gpu-host-7:9400", alertname: "GpuTemperatureHigh", severity: "critical", hostname: "gpu-host-7" }),
        alert({ job: "dcgm", instance: "gpu-host-7:9400", alertname: "GpuTemperatureHigh", severity: "warning", hostname: "gpu-host-7" }),
        alert(tierLabels("VllmErrorBudgetBurnFast")),
        alert(tierLabels("VllmErrorBudgetBurnSlow")),
        alert(tierLabels("VllmTtftBudgetBurnSlow")),
        alert({ ...tierLabels("VllmErrorBudgetBurnSteady"), model_name: "mistral" }),
      ]),
    });
    assert.ok(posted.ok, `HTTP ${posted.status}`);
    interface ApiAlert {
      readonly labels: Record<string, string>;
      readonly status: { readonly state: string; readonly inhibitedBy: readonly string[] };
    }
    const states = new Map<string, string>();
    await waitUntil(
      async () => {
        const alerts = (await (await fetch(`${alertmanagerUrl}/api/v2/alerts`)).json()) as ApiAlert[];
        states.clear();
        for (const entry of alerts)
          states.set(
            `${entry.labels.alertname}/${entry.labels.instance ?? entry.labels.model_name}/${entry.labels.severity}`,
            entry.status.state,
          );
        return (
          states.get("VllmQueueBuilding/gpu-host-9:8000/warning") === "suppressed" &&
          states.get("GpuTemperatureHigh/gpu-host-7:9400/warning") === "suppressed" &&
          states.get("VllmErrorBudgetBurnSlow/llama/warning") === "suppressed"
        );
      },
      { what: "Alertmanager to apply its inhibit rules", timeoutMs: 20_000, intervalMs: 250 },
    );
    assert.equal(states.get("ScrapeTargetDown/gpu-host-9:8000/warning"), "active");
    assert.equal(states.get("VllmKvCacheNearFull/gpu-host-9:8000/warning"), "suppressed");
    assert.equal(states.get("VllmQueueBuilding/gpu-host-8:8000/warning"), "active", "another instance's alert is not inhibited");
    assert.equal(states.get("GpuTemperatureHigh/gpu-host-7:9400/critical"), "active");
    assert.equal(states.get("VllmErrorBudgetBurnFast/llama/critical"), "active");
    assert.equal(states.get("VllmTtftBudgetBurnSlow/llama/warning"), "active", "another objective's ticket tier is not inhibited");
    assert.equal(states.get("VllmErrorBudgetBurnSteady/mistral/warning"), "active", "another model's ticket tier is not inhibited");

    // The down target's own notification goes out; its inhibited alerts never do.
    const names = (): string[] =>
      ((sinks.received.get("/webhook") as WebhookBody[] | undefined) ?? []).flatMap((body) =>
        body.alerts.map((entry) => `${entry.labels.alertname}/${entry.labels.instance}`),
      );
    await waitUntil(() => names().includes("ScrapeTargetDown/gpu-host-9:8000") && names().includes("VllmQueueBuilding/gpu-host-8:8000"), {
      what: "the target-down notification",
      timeoutMs: 90_000,
      intervalMs: 500,
    });
    assert.ok(!names().includes("VllmQueueBuilding/gpu-host-9:8000"), `no notification for the inhibited alert: ${names().join(", ")}`);
    assert.ok(!names().includes("VllmKvCacheNearFull/gpu-host-9:8000"));
  });
});
