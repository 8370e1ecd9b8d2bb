/**
 * Alerts about the monitoring pipeline itself: the always-firing Watchdog that a dead man's switch
 * listens for (ALERT_DEADMANS_URL), and Prometheus and Alertmanager failing at their jobs.
 */
import { pipeline } from "../../catalog/index.js";
import type { Thresholds } from "../config.js";
import type { AlertRule } from "./types.js";

function selfAlerts(thresholds: Thresholds): AlertRule[] {
  const f = pipeline;
  const limits = thresholds.pipeline;
  const REMOTE_WRITE_BEHIND_SECONDS = limits.remoteWriteBehindSeconds;
  return [
    {
      alert: "PrometheusRuleEvaluationFailures",
      group: "meta",
      expr: `sum by (job, instance, rule_group) (increase(${f.ruleEvaluationFailures.name}[5m])) > 0`,
      for: limits.ruleFailuresFor,
      severity: "critical",
      summary: "Prometheus {{ $labels.instance }} fails to evaluate rules",
      description:
        "{{ $value }} evaluations of rule group {{ $labels.rule_group }} failed in the last 5m on Prometheus {{ $labels.instance }}: its recording rules have gaps and its alerts may not fire.",
      runbook: {
        meaning: "Prometheus could not evaluate some rules (a query error, a timeout, too many samples, a duplicate series).",
        impact: "Alerts built on those rules cannot fire, and dashboard panels reading the recorded series have gaps.",
        diagnose: [
          "Prometheus → Status → Rule health (/rules): the failing rule and its error.",
          "vllm-monitor logs prometheus: `Evaluating rule failed`.",
        ],
        fix: [
          "A `many-to-many matching` error: two targets with the same job and instance; give them distinct labels.",
          "A timeout: raise the evaluation interval or the query timeout, or drop series nobody reads.",
        ],
      },
    },
    {
      alert: "PrometheusConfigReloadFailed",
      group: "meta",
      expr: `max_over_time(${f.configLastReloadSuccessful.name}[5m]) == 0`,
      for: limits.reloadFailedFor,
      severity: "warning",
      summary: "Prometheus {{ $labels.instance }} did not load its new configuration",
      description:
        "The last configuration reload of Prometheus {{ $labels.instance }} failed (success = {{ $value }}): it still runs the previous config, rules and targets.",
      runbook: {
        meaning: "A reload (`vllm-monitor reload`, SIGHUP, POST /-/reload) found the config or a rule file invalid and kept the old one.",
        impact: "Changes to targets, rules or remote write are not in effect; a restart would fail outright.",
        diagnose: ["vllm-monitor logs prometheus: `Error reloading config`.", "promtool check config on the rendered prometheus.yml."],
        fix: ["Fix the .env value the error names and run `vllm-monitor reload` again."],
      },
    },
    {
      alert: "PrometheusRemoteWriteFailing",
      group: "meta",
      expr: `sum by (job, instance, remote_name, url) (rate(${f.remoteWriteSamplesFailed.name}[5m])) > 0`,
      for: limits.remoteWriteFor,
      severity: "warning",
      summary: "Prometheus {{ $labels.instance }} cannot write to {{ $labels.url }}",
      description:
        "Prometheus {{ $labels.instance }} drops {{ $value | humanize }} samples/s that {{ $labels.url }} refused for good (4xx): the central store misses them.",
      runbook: {
        meaning:
          "The remote-write endpoint rejects samples with an error Prometheus does not retry (bad credentials, a tenant over its limits, out-of-order samples).",
        impact: "The central store and every dashboard or alert reading it miss this sender's data.",
        diagnose: [
          "vllm-monitor doctor: the remote-write check.",
          "vllm-monitor logs prometheus: `non-recoverable error` with the endpoint's answer.",
        ],
        fix: [
          "Fix REMOTE_WRITE_BEARER_TOKEN / REMOTE_WRITE_USERNAME / REMOTE_WRITE_PASSWORD, or raise the tenant's limits on the central side.",
        ],
      },
    },
    {
      alert: "PrometheusRemoteWriteBehind",
      group: "meta",
      expr:
        `(max_over_time(${f.remoteWriteHighestTimestamp.name}[5m]) - ignoring (remote_name, url) group_right ` +
        `max_over_time(${f.remoteWriteHighestSentTimestamp.name}[5m])) > ${REMOTE_WRITE_BEHIND_SECONDS}`,
      for: limits.remoteWriteFor,
      severity: "warning",
      summary: "Prometheus {{ $labels.instance }} falls behind writing to {{ $labels.url }}",
      description: `Remote write from Prometheus {{ $labels.instance }} to {{ $labels.url }} is {{ $value | humanizeDuration }} behind, more than ${REMOTE_WRITE_BEHIND_SECONDS}s.`,
      runbook: {
        meaning:
          "Samples are scraped faster than the remote-write queue sends them: the endpoint is slow, unreachable (retried) or the queue too small.",
        impact: "The central store lags; if it lasts past the write-ahead log's two hours, samples are lost.",
        diagnose: [
          "vllm-monitor doctor: the remote-write check.",
          "Prometheus's `prometheus_remote_storage_shards` and `..._samples_pending` on its own /metrics.",
        ],
        fix: ["Make the endpoint reachable and fast enough; send fewer series (the stack sends only what dashboards and rules read)."],
      },
    },
    {
      alert: "AlertmanagerNotificationsFailing",
      group: "meta",
      expr: `sum by (job, instance, integration) (rate(${f.alertmanagerNotificationsFailed.name}[5m])) > 0`,
      for: limits.notificationsFor,
      severity: "critical",
      summary: "Alertmanager {{ $labels.instance }} fails to send {{ $labels.integration }} notifications",
      description:
        "{{ $value | humanize }} {{ $labels.integration }} notifications/s failed from Alertmanager {{ $labels.instance }}: alerts do not reach that destination.",
      runbook: {
        meaning:
          "Alertmanager cannot deliver to a destination (a wrong or revoked Slack URL or PagerDuty key, an SMTP login or TLS problem, an unreachable webhook).",
        impact:
          "People who rely on that destination are not told about alerts. The other destinations, and this alert, may still reach you.",
        diagnose: [
          "vllm-monitor alert test: which destination fails.",
          "vllm-monitor logs alertmanager: `Notify for alerts failed` with the destination's answer.",
        ],
        fix: ["Correct the ALERT_* variable of that destination in .env and run `vllm-monitor reload`, then `vllm-monitor alert test`."],
      },
    },
  ];
}

/** The Watchdog, and Prometheus and Alertmanager watching themselves. */
export function metaAlerts(thresholds: Thresholds): AlertRule[] {
  return [
    {
      alert: "Watchdog",
      group: "meta",
      // why: always true; its absence at the far end is the signal.
      expr: "vector(1)",
      for: "1m",
      severity: "none",
      summary: "The alerting pipeline is alive (this alert always fires)",
      description:
        "Always firing (value {{ $value }}) while Prometheus evaluates rules and sends alerts to Alertmanager. Alertmanager sends it only to ALERT_DEADMANS_URL, every 5 minutes; the dead man's switch there raises the alarm when it stops arriving.",
      runbook: {
        meaning:
          "Nothing is wrong: this alert fires all the time on purpose. It is the heartbeat of the whole chain: Prometheus evaluating rules, Alertmanager receiving alerts and sending notifications.",
        impact:
          "None while it fires. When your dead man's switch (healthchecks.io, Cronitor, PagerDuty's heartbeat...) stops receiving it, no other alert can reach you either: the stack, Prometheus, Alertmanager or the network to the switch is down.",
        diagnose: [
          "`vllm-monitor status`: are Prometheus and Alertmanager running?",
          "Prometheus → Alerts: is Watchdog firing? If not, rule evaluation is broken (see the Prometheus log: vllm-monitor logs prometheus).",
          "Alertmanager → Alerts (http://127.0.0.1:ALERTMANAGER_PORT): is Watchdog there? If not, Prometheus cannot reach Alertmanager (Prometheus → Status → Runtime → Alertmanagers).",
          "Alertmanager's log (vllm-monitor logs alertmanager): `Notify for alerts failed` names the webhook error for the deadmans-switch receiver.",
        ],
        fix: [
          "Set ALERT_DEADMANS_URL to your switch's ping URL and configure the switch to expect a ping at least every 10 minutes (Alertmanager repeats the Watchdog every 5).",
          "Restart whatever is down: vllm-monitor down && vllm-monitor up --native (or `up` for compose).",
          "Never silence Watchdog in Alertmanager: that looks exactly like a dead stack to the switch.",
        ],
      },
    },
    ...selfAlerts(thresholds),
  ];
}
