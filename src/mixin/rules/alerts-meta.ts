/**
 * Alerts about the alerting pipeline itself: the always-firing Watchdog that a dead man's switch
 * listens for (ALERT_DEADMANS_URL).
 */
import type { AlertRule } from "./types.js";

/** Fires for as long as Prometheus evaluates rules and reaches Alertmanager. */
export function metaAlerts(): AlertRule[] {
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
        meaning: "Nothing is wrong: this alert fires all the time on purpose. It is the heartbeat of the whole chain: Prometheus evaluating rules, Alertmanager receiving alerts and sending notifications.",
        impact: "None while it fires. When your dead man's switch (healthchecks.io, Cronitor, PagerDuty's heartbeat...) stops receiving it, no other alert can reach you either: the stack, Prometheus, Alertmanager or the network to the switch is down.",
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
  ];
}
