/**
 * alertmanager.yml as a typed object: severity routing to the configured destinations, grouping,
 * inhibit rules, the Watchdog route and the route `vllm-monitor alert test` uses. Secrets appear
 * only as paths of their 0600 files (`*_file` options). Pure; render.ts writes it.
 */
import type { AlertDestination } from "../config/schema.js";
import { configuredDestinations, severityRoutes, type AlertEnv } from "../config/alert-destinations.js";
import { SLO_LABEL } from "../promql/slo.js";

/** Labels every notification is grouped by: one message per alert and affected model or host. */
export const GROUP_BY = ["alertname", "job", "model_name", "hostname"] as const;

/** Label of the synthetic alert `vllm-monitor alert test` sends; its route reaches every destination. */
export const TEST_LABEL = "vllm_monitor_test";

/** Receiver names, as they appear in Alertmanager's UI and in its notification metrics. */
export const RECEIVERS = {
  critical: "critical",
  warning: "warning",
  deadmans: "deadmans-switch",
  test: "vllm-monitor-test",
  none: "none",
} as const;

/** The always-firing alert that proves the pipeline is alive (see the Watchdog runbook). */
export const WATCHDOG_ALERT = "Watchdog";

/** Where each secret's file is, as Alertmanager sees it (inside its container in compose mode). */
export interface SecretPaths {
  readonly slackApiUrl: string;
  readonly pagerdutyRoutingKey: string;
  readonly smtpPassword: string;
}

export interface AlertmanagerInputs {
  readonly env: AlertEnv & {
    readonly ALERT_PAGERDUTY_URL: string;
    readonly ALERT_SMTP_REQUIRE_TLS: boolean;
    readonly ALERT_FOR_SCALE: number;
  };
  readonly secretPaths: SecretPaths;
  /** Notification template files Alertmanager loads. */
  readonly templateFiles: readonly string[];
  /** Names of the alerts a down target makes meaningless (latency, SLO, saturation of that instance). */
  readonly inhibitedByTargetDown: readonly string[];
  /** The alert that says a target is down. */
  readonly targetDownAlert: string;
}

interface Matchers {
  readonly matchers: readonly string[];
}

export interface Route extends Partial<Matchers> {
  readonly receiver: string;
  readonly group_by?: readonly string[];
  readonly group_wait?: string;
  readonly group_interval?: string;
  readonly repeat_interval?: string;
  readonly continue?: boolean;
  readonly routes?: readonly Route[];
}

export interface InhibitRule {
  readonly source_matchers: readonly string[];
  readonly target_matchers: readonly string[];
  readonly equal: readonly string[];
}

export interface Receiver {
  readonly name: string;
  readonly webhook_configs?: readonly Record<string, unknown>[];
  readonly slack_configs?: readonly Record<string, unknown>[];
  readonly pagerduty_configs?: readonly Record<string, unknown>[];
  readonly email_configs?: readonly Record<string, unknown>[];
}

export interface AlertmanagerConfig {
  readonly route: Route;
  readonly inhibit_rules: readonly InhibitRule[];
  readonly receivers: readonly Receiver[];
  readonly templates: readonly string[];
}

const TEXT = '{{ template "vllm_monitor.text" . }}';
const TITLE = '{{ template "vllm_monitor.title" . }}';
const DASHBOARD = '{{ template "vllm_monitor.dashboard_url" . }}';
const RUNBOOK = "{{ (index .Alerts 0).Annotations.runbook_url }}";

function integration(destination: AlertDestination, inputs: AlertmanagerInputs): Partial<Receiver> {
  const { env, secretPaths } = inputs;
  switch (destination) {
    case "webhook":
      return { webhook_configs: [{ url: env.ALERT_WEBHOOK_URL, send_resolved: true, max_alerts: 0 }] };
    case "slack":
      return {
        slack_configs: [
          {
            api_url_file: secretPaths.slackApiUrl,
            send_resolved: true,
            title: TITLE,
            title_link: DASHBOARD,
            text: TEXT,
            color:
              '{{ if eq .Status "firing" }}{{ if eq .CommonLabels.severity "critical" }}danger{{ else }}warning{{ end }}{{ else }}good{{ end }}',
          },
        ],
      };
    case "pagerduty":
      return {
        pagerduty_configs: [
          {
            routing_key_file: secretPaths.pagerdutyRoutingKey,
            url: env.ALERT_PAGERDUTY_URL,
            send_resolved: true,
            description: TITLE,
            severity: '{{ if eq .CommonLabels.severity "critical" }}critical{{ else }}warning{{ end }}',
            details: { summary: "{{ .CommonAnnotations.summary }}", text: TEXT, runbook_url: RUNBOOK },
            links: [
              { href: DASHBOARD, text: "Grafana dashboard" },
              { href: RUNBOOK, text: "Runbook" },
            ],
          },
        ],
      };
    case "email":
      return {
        email_configs: [
          {
            to: env.ALERT_EMAIL_TO,
            from: env.ALERT_EMAIL_FROM,
            smarthost: env.ALERT_SMTP_HOST,
            require_tls: env.ALERT_SMTP_REQUIRE_TLS,
            send_resolved: true,
            ...(env.ALERT_SMTP_USERNAME === undefined
              ? {}
              : { auth_username: env.ALERT_SMTP_USERNAME, auth_password_file: secretPaths.smtpPassword }),
            headers: { Subject: TITLE },
            text: TEXT,
            html: '{{ template "vllm_monitor.html" . }}',
          },
        ],
      };
  }
}

function receiver(name: string, destinations: readonly AlertDestination[], inputs: AlertmanagerInputs): Receiver {
  return Object.assign({ name }, ...destinations.map((destination) => integration(destination, inputs))) as Receiver;
}

/** `name=~"A|B"`: one matcher for a list of alert names. */
function anyOf(label: string, values: readonly string[]): string {
  return `${label}=~"${values.map((value) => value.replace(/[\\^$.|?*+()[\]{}]/g, "\\$&")).join("|")}"`;
}

/**
 * group_wait and group_interval, shortened with ALERT_FOR_SCALE below 1: a test or a demo that fires an
 * alert in seconds should not then wait 30 s for its first notification and 5 min for its resolution.
 */
function groupTimings(forScale: number): { group_wait: string; group_interval: string } {
  if (forScale >= 1) return { group_wait: "30s", group_interval: "5m" };
  const scaled = (seconds: number) => `${Math.max(1, Math.round(seconds * forScale))}s`;
  return { group_wait: scaled(30), group_interval: scaled(300) };
}

/** The whole alertmanager.yml for these settings. Pure. */
export function alertmanagerConfig(inputs: AlertmanagerInputs): AlertmanagerConfig {
  const { env } = inputs;
  const routes = severityRoutes(env);
  const deadmans: Receiver[] =
    env.ALERT_DEADMANS_URL === undefined
      ? []
      : [{ name: RECEIVERS.deadmans, webhook_configs: [{ url: env.ALERT_DEADMANS_URL, send_resolved: false }] }];
  return {
    route: {
      receiver: RECEIVERS.warning,
      group_by: [...GROUP_BY],
      ...groupTimings(env.ALERT_FOR_SCALE),
      repeat_interval: "4h",
      routes: [
        // why: the Watchdog must never reach a person; only the dead man's switch hears it, every few minutes.
        {
          matchers: [`alertname="${WATCHDOG_ALERT}"`],
          receiver: env.ALERT_DEADMANS_URL === undefined ? RECEIVERS.none : RECEIVERS.deadmans,
          group_wait: "0s",
          group_interval: "1m",
          repeat_interval: "5m",
        },
        { matchers: [`${TEST_LABEL}="true"`], receiver: RECEIVERS.test, group_by: ["..."], group_wait: "0s", repeat_interval: "1m" },
        { matchers: ['severity="critical"'], receiver: RECEIVERS.critical },
        { matchers: ['severity="warning"'], receiver: RECEIVERS.warning },
      ],
    },
    inhibit_rules: [
      // A target that cannot be scraped makes its latency, SLO and saturation alerts noise.
      {
        source_matchers: [`alertname="${inputs.targetDownAlert}"`],
        target_matchers: [anyOf("alertname", inputs.inhibitedByTargetDown)],
        equal: ["job", "instance"],
      },
      // The critical form of an alert says all the warning form would.
      {
        source_matchers: ['severity="critical"'],
        target_matchers: ['severity="warning"'],
        equal: ["alertname", "job", "instance", "model_name", "hostname"],
      },
      // The burn-rate tiers of one objective have names of their own: a paging tier says all a ticket tier would.
      {
        source_matchers: ['severity="critical"', `${SLO_LABEL}=~".+"`],
        target_matchers: ['severity="warning"', `${SLO_LABEL}=~".+"`],
        equal: [SLO_LABEL, "job", "model_name"],
      },
    ],
    receivers: [
      { name: RECEIVERS.none },
      receiver(RECEIVERS.critical, routes.critical, inputs),
      receiver(RECEIVERS.warning, routes.warning, inputs),
      receiver(RECEIVERS.test, configuredDestinations(env), inputs),
      ...deadmans,
    ],
    templates: [...inputs.templateFiles],
  };
}
