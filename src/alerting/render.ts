/**
 * The render edge of alerting: alertmanager.yml (from the typed object), the notification
 * templates and one 0600 file per secret, as output files. Reads only the template file.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { stringify } from "yaml";
import type { Settings } from "../config/load.js";
import type { AlertRule } from "../mixin/rules/index.js";
import type { PrometheusVersion } from "../prometheus/version.js";
import { alertmanagerConfig, type AlertmanagerConfig } from "./alertmanager-config.js";
import { checkAlertmanagerVersion } from "./versions.js";

/** Paths inside the output folder (compose mounts `alertmanager/` at /etc/alertmanager). */
export const ALERTMANAGER_LAYOUT = {
  dir: "alertmanager",
  config: "alertmanager/alertmanager.yml",
  templates: "alertmanager/templates/vllm-monitor.tmpl",
  links: "alertmanager/templates/links.tmpl",
  slackApiUrl: "alertmanager/secrets/slack_api_url",
  pagerdutyRoutingKey: "alertmanager/secrets/pagerduty_routing_key",
  smtpPassword: "alertmanager/secrets/smtp_password",
} as const;

const TEMPLATE_SOURCE = "alertmanager/vllm-monitor.tmpl";
const TARGET_DOWN_ALERT = "ScrapeTargetDown";
// why: VllmMetricsAbsent is itself about the target being gone; every other vLLM alert reads a signal a dead target no longer gives.
const NOT_INHIBITED = new Set(["VllmMetricsAbsent"]);

export interface AlertmanagerRenderOptions {
  /** Where Alertmanager sees a file of the output folder (runtimePath). */
  readonly at: (relative: string) => string;
  readonly templatesDir: string;
  readonly alerts: readonly AlertRule[];
  /** Known when the Alertmanager that runs was asked (native) or its image tag says (compose). */
  readonly version?: { readonly version: PrometheusVersion; readonly which: string };
}

/** Grafana's address for links in notifications: ALERT_DASHBOARD_URL, else this host's Grafana port. */
export function dashboardBaseUrl(settings: Pick<Settings, "env">): string {
  return (settings.env.ALERT_DASHBOARD_URL ?? `http://127.0.0.1:${settings.env.GRAFANA_PORT}`).replace(/\/+$/, "");
}

/** The config object for these settings (exported for tests and `alert test`). */
export function buildAlertmanagerConfig(
  settings: Pick<Settings, "env">,
  options: Pick<AlertmanagerRenderOptions, "at" | "alerts">,
): AlertmanagerConfig {
  const { at } = options;
  return alertmanagerConfig({
    env: settings.env,
    secretPaths: {
      slackApiUrl: at(ALERTMANAGER_LAYOUT.slackApiUrl),
      pagerdutyRoutingKey: at(ALERTMANAGER_LAYOUT.pagerdutyRoutingKey),
      smtpPassword: at(ALERTMANAGER_LAYOUT.smtpPassword),
    },
    templateFiles: [at(ALERTMANAGER_LAYOUT.templates), at(ALERTMANAGER_LAYOUT.links)],
    targetDownAlert: TARGET_DOWN_ALERT,
    inhibitedByTargetDown: options.alerts
      .filter((rule) => rule.group === "vllm" && !NOT_INHIBITED.has(rule.alert))
      .map((rule) => rule.alert),
  });
}

const HEADER =
  "# Rendered by vllm-monitor from .env (ALERT_*); edit .env, not this file. Secrets are not here:\n" +
  "# each sits in its own 0600 file under secrets/, named by a *_file option.\n";

/** Every file of the output folder's `alertmanager/`. Refuses secrets the Alertmanager cannot read from a file. */
export async function alertmanagerFiles(
  settings: Pick<Settings, "env">,
  options: AlertmanagerRenderOptions,
): Promise<{ path: string; content: string }[]> {
  const { env } = settings;
  if (options.version !== undefined)
    checkAlertmanagerVersion((name) => env[name] !== undefined, options.version.version, options.version.which);
  const config = buildAlertmanagerConfig(settings, options);
  const files: { path: string; content: string }[] = [
    { path: ALERTMANAGER_LAYOUT.config, content: HEADER + stringify(config, { lineWidth: 0 }) },
    { path: ALERTMANAGER_LAYOUT.templates, content: await readFile(join(options.templatesDir, TEMPLATE_SOURCE), "utf8") },
    { path: ALERTMANAGER_LAYOUT.links, content: `{{ define "vllm_monitor.grafana_url" }}${dashboardBaseUrl(settings)}{{ end }}\n` },
  ];
  if (env.ALERT_SLACK_WEBHOOK_URL !== undefined)
    files.push({ path: ALERTMANAGER_LAYOUT.slackApiUrl, content: env.ALERT_SLACK_WEBHOOK_URL.reveal() });
  if (env.ALERT_PAGERDUTY_ROUTING_KEY !== undefined)
    files.push({ path: ALERTMANAGER_LAYOUT.pagerdutyRoutingKey, content: env.ALERT_PAGERDUTY_ROUTING_KEY.reveal() });
  if (env.ALERT_SMTP_PASSWORD !== undefined)
    files.push({ path: ALERTMANAGER_LAYOUT.smtpPassword, content: env.ALERT_SMTP_PASSWORD.reveal() });
  return files;
}
