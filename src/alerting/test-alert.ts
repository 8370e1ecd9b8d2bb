/**
 * `vllm-monitor alert test`: one synthetic alert through the running Alertmanager to every
 * configured destination, and what each integration answered, read from Alertmanager's own
 * notification counters (alertmanager_notification_requests_total / _failed_total by integration).
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { AlertDestination } from "../config/schema.js";
import { UserError } from "../errors.js";
import { parseExposition } from "../exposition/index.js";
import { TEST_LABEL } from "./alertmanager-config.js";

/** Alertmanager's integration name for each destination (its metrics' `integration` label). */
const INTEGRATION: Readonly<Record<AlertDestination, string>> = {
  pagerduty: "pagerduty",
  slack: "slack",
  email: "email",
  webhook: "webhook",
};

const REQUESTS = "alertmanager_notification_requests_total";
const FAILED = "alertmanager_notification_requests_failed_total";

export interface DeliveryResult {
  readonly destination: AlertDestination;
  readonly outcome: "delivered" | "failed" | "no answer";
  /** Attempts that failed while waiting (Alertmanager retries with backoff). */
  readonly failedAttempts: number;
}

type Counts = Map<string, { requests: number; failed: number }>;

async function notificationCounts(alertmanagerUrl: string): Promise<Counts> {
  const response = await fetch(`${alertmanagerUrl}/metrics`);
  if (!response.ok)
    throw new UserError(
      `Alertmanager at ${alertmanagerUrl} answered /metrics with HTTP ${response.status}.`,
      ["check --alertmanager-url"],
      1,
    );
  const counts: Counts = new Map();
  for (const family of parseExposition(await response.text()).families) {
    for (const sample of family.samples) {
      if (sample.name !== REQUESTS && sample.name !== FAILED) continue;
      const integration = sample.labels.integration ?? "";
      const entry = counts.get(integration) ?? { requests: 0, failed: 0 };
      if (sample.name === REQUESTS) entry.requests += sample.value;
      else entry.failed += sample.value;
      counts.set(integration, entry);
    }
  }
  return counts;
}

/** The synthetic alert: its own test_run label makes a new group, so it is sent at once (group_wait 0s). */
export function testAlert(runId: string, runbookUrl: string, now: Date): Record<string, unknown> {
  return {
    labels: {
      alertname: "VllmMonitorTestAlert",
      severity: "warning",
      [TEST_LABEL]: "true",
      test_run: runId,
      instance: "vllm-monitor-alert-test",
    },
    annotations: {
      summary: "Test notification from vllm-monitor alert test",
      description:
        "A synthetic alert sent by `vllm-monitor alert test` to check that every destination receives notifications. Nothing is wrong.",
      runbook_url: runbookUrl,
    },
    startsAt: now.toISOString(),
    // why: resolves by itself; the test route sends no repeat within this time.
    endsAt: new Date(now.getTime() + 5 * 60_000).toISOString(),
  };
}

export interface SendTestOptions {
  readonly alertmanagerUrl: string;
  readonly destinations: readonly AlertDestination[];
  readonly runbookUrl: string;
  /** How long to wait for every integration to answer. */
  readonly timeoutMs: number;
}

/** Sends the test alert and waits until each destination delivered (or the time is up). */
export async function sendTestAlert(options: SendTestOptions): Promise<DeliveryResult[]> {
  const { alertmanagerUrl } = options;
  let before: Counts;
  try {
    before = await notificationCounts(alertmanagerUrl);
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError(
      `Alertmanager does not answer at ${alertmanagerUrl} (${(error as Error).message}).`,
      [
        "start the stack with a destination set (ALERT_* in .env): vllm-monitor up --native",
        "or pass the address of a running Alertmanager with --alertmanager-url",
      ],
      1,
    );
  }
  const runId = new Date().toISOString();
  const posted = await fetch(`${alertmanagerUrl}/api/v2/alerts`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify([testAlert(runId, options.runbookUrl, new Date())]),
  });
  if (!posted.ok) throw new UserError(`Alertmanager refused the test alert: HTTP ${posted.status} ${(await posted.text()).trim()}`, [], 1);

  const deadline = Date.now() + options.timeoutMs;
  let results: DeliveryResult[] = [];
  for (;;) {
    const now = await notificationCounts(alertmanagerUrl);
    results = options.destinations.map((destination) => {
      const integration = INTEGRATION[destination];
      const was = before.get(integration) ?? { requests: 0, failed: 0 };
      const is = now.get(integration) ?? { requests: 0, failed: 0 };
      const attempts = is.requests - was.requests;
      const failedAttempts = is.failed - was.failed;
      const outcome = attempts > failedAttempts ? "delivered" : failedAttempts > 0 ? "failed" : "no answer";
      return { destination, outcome, failedAttempts };
    });
    if (results.every((result) => result.outcome === "delivered") || Date.now() >= deadline) return results;
    await sleep(500);
  }
}
