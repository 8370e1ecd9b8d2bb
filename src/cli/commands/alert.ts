/** `vllm-monitor alert test`: send a synthetic alert through Alertmanager to every destination and report each. */
import type { Command } from "commander";
import { configuredDestinations } from "../../config/alert-destinations.js";
import { sendTestAlert } from "../../alerting/test-alert.js";
import { nativePort } from "../../config/services.js";
import { UserError } from "../../errors.js";
import { findStack } from "../../stack/registry.js";
import { runbookUrl } from "../../mixin/rules/index.js";
import { envFileOption, settingsFrom } from "../options.js";
import { print } from "../../output.js";

interface AlertTestFlags {
  readonly envFile?: string;
  readonly alertmanagerUrl?: string;
  readonly timeout: string;
}

/** The running native stack's Alertmanager, else ALERTMANAGER_PORT on this host. */
function defaultAlertmanagerUrl(port: number): string {
  let stack;
  try {
    stack = findStack({});
  } catch {
    stack = undefined;
  }
  const recorded = stack?.kind === "native" ? stack.processes.find((child) => child.name === "alertmanager")?.ports[0]?.port : undefined;
  return `http://127.0.0.1:${recorded ?? port}`;
}

export function register(program: Command): void {
  const alert = program.command("alert").description("work with the alerts that reach people");
  alert
    .command("test")
    .description(
      "send a synthetic alert through the running Alertmanager to every destination in .env (ALERT_*) and report what each answered; exit 1 unless all delivered",
    )
    .addOption(envFileOption())
    .option(
      "--alertmanager-url <url>",
      "Alertmanager to send through (default: the running native stack's, else http://127.0.0.1:$ALERTMANAGER_PORT)",
    )
    .option("--timeout <seconds>", "how long to wait for every destination", "30")
    .action(async (flags: AlertTestFlags) => {
      const settings = settingsFrom(flags);
      const destinations = configuredDestinations(settings.env);
      if (destinations.length === 0) {
        throw new UserError("No alert destination is set, so there is nothing to test.", [
          "set ALERT_WEBHOOK_URL, ALERT_SLACK_WEBHOOK_URL, ALERT_PAGERDUTY_ROUTING_KEY or ALERT_EMAIL_TO (with ALERT_EMAIL_FROM, ALERT_SMTP_HOST) in .env, then restart or reload the stack",
        ]);
      }
      const timeout = Number(flags.timeout);
      if (!Number.isFinite(timeout) || timeout <= 0)
        throw new UserError(`--timeout ${flags.timeout} is not a positive number of seconds`, ["e.g. --timeout 30"]);
      const alertmanagerUrl = (flags.alertmanagerUrl ?? defaultAlertmanagerUrl(nativePort("alertmanager", settings))).replace(/\/+$/, "");
      print(`vllm-monitor: sending a test alert through ${alertmanagerUrl} to ${destinations.join(", ")}\n`);
      const results = await sendTestAlert({
        alertmanagerUrl,
        destinations,
        runbookUrl: runbookUrl(settings.env.RUNBOOK_BASE_URL, "VllmMonitorTestAlert"),
        timeoutMs: timeout * 1000,
      });
      for (const result of results) {
        const detail =
          result.outcome === "delivered"
            ? result.failedAttempts > 0
              ? ` (after ${result.failedAttempts} failed attempt${result.failedAttempts === 1 ? "" : "s"})`
              : ""
            : result.outcome === "failed"
              ? ` (${result.failedAttempts} attempt${result.failedAttempts === 1 ? "" : "s"} failed; the reason is in Alertmanager's log: vllm-monitor logs alertmanager)`
              : ` (no attempt within ${timeout}s; see vllm-monitor logs alertmanager)`;
        print(`  ${result.destination.padEnd(10)} ${result.outcome}${detail}\n`);
      }
      process.exitCode = results.every((result) => result.outcome === "delivered") ? 0 : 1;
    });
}
