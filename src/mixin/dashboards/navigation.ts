import { scrape } from "../../catalog/index.js";
import { VARIABLES, type Scope } from "../../promql/scope.js";
import { restarts } from "../../promql/instances.js";
import { sleepingEngines } from "../../promql/workload.js";
import { matcher, series } from "../../promql/selector.js";
import type { AnnotationSpec } from "./annotations.js";
import type { LinkSpec } from "./panels.js";

/** The uids of the shipped dashboards, for links between them. */
export const DASHBOARD_UIDS = {
  user: "vllm-user-overview",
  machine: "vllm-machine-overview",
  instances: "vllm-instances",
  fleet: "vllm-fleet-overview",
  kvCache: "vllm-kv-cache",
} as const;

type VariableName = (typeof VARIABLES)[keyof typeof VARIABLES];

/**
 * A link to another dashboard that keeps the time range, the data source, the Monitor choice and the
 * given variables (Grafana fills `${__url_time_range}` and `${name:queryparam}` when the link is followed).
 */
export function dashboardUrl(uid: string, variables: readonly VariableName[]): string {
  const kept = [VARIABLES.datasource, VARIABLES.monitor, ...variables];
  const parameters = ["${__url_time_range}", ...kept.map((name) => `\${${name}:queryparam}`)];
  return `/d/${uid}?${parameters.join("&")}`;
}

export function linkTo(title: string, uid: string, variables: readonly VariableName[]): LinkSpec {
  return { title, url: dashboardUrl(uid, variables) };
}

/** A row of a table to the User overview filtered to that instance and engine (the row's own label values). */
export function userOverviewRowUrl(): string {
  const field = (name: string) => `var-${name}=\${__data.fields.${name}}`;
  return `/d/${DASHBOARD_UIDS.user}?\${__url_time_range}&\${${VARIABLES.datasource}:queryparam}&\${${VARIABLES.monitor}:queryparam}&${["job", "instance", "model_name", "engine"].map(field).join("&")}`;
}

/** Firing alerts as events (one series per alert: the count does not grow with the fleet). */
export function alertsAnnotation(): AnnotationSpec {
  return {
    name: "Firing alerts",
    expr: series(scrape.alerts.name, [matcher("alertstate", "=", "firing")]),
    title: "{{alertname}}",
    text: "{{severity}} {{job}} {{instance}}{{hostname}} {{model_name}}",
    iconColor: "red",
    tagKeys: ["alertname", "severity"],
  };
}

/** Annotations of the per-server dashboards: vLLM server restarts and firing alerts. */
export function standardAnnotations(scope: Scope): AnnotationSpec[] {
  return [
    {
      name: "vLLM restarts",
      expr: restarts(scope),
      title: "{{instance}} restarted",
      text: "job {{job}}: the process start time changed or its counters went back to zero",
      iconColor: "orange",
      tagKeys: ["job", "instance"],
    },
    {
      name: "vLLM sleep",
      expr: sleepingEngines(scope, ["job", "instance", "engine"]),
      title: "{{instance}} engine {{engine}} asleep",
      text: "job {{job}}: sleep mode (POST /sleep); the engine serves nothing until POST /wake_up",
      iconColor: "purple",
      tagKeys: ["job", "instance", "engine"],
    },
    alertsAnnotation(),
  ];
}
