/** The mixin's rule objects: what every alert module builds and every edge (generate, render, kubernetes) writes. */

/** `none`: never reaches a person (the Watchdog heartbeat). */
export type Severity = "critical" | "warning" | "none";

/** What a runbook section says; rendered into docs/runbooks.md. */
export interface Runbook {
  readonly meaning: string;
  readonly impact: string;
  /** Where to look: panels and queries. */
  readonly diagnose: readonly string[];
  readonly fix: readonly string[];
}

export interface AlertRule {
  readonly alert: string;
  readonly group: "vllm" | "gpu" | "scrape" | "meta";
  readonly expr: string;
  readonly for: string;
  readonly severity: Severity;
  /** Labels beside severity (the burn-rate tiers' `slo`, which an inhibit rule matches on). */
  readonly labels?: Readonly<Record<string, string>>;
  readonly summary: string;
  /** Must show the observed value (`{{ $value }}`). */
  readonly description: string;
  readonly runbook: Runbook;
}

export interface RecordingRule {
  readonly record: string;
  readonly expr: string;
}

/** One alert as Prometheus loads it: what a rule file, a PrometheusRule and promtool read. */
export interface AlertingRuleObject {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

export interface RuleGroup {
  readonly name: string;
  readonly rules: readonly (RecordingRule | AlertingRuleObject)[];
}

/** A rule file of the mixin: committed under rules/<fileName>, loaded by Prometheus, or one PrometheusRule's groups. */
export interface RuleFile {
  readonly fileName: string;
  /** Comment lines written above the groups (without `# `). */
  readonly comment: readonly string[];
  readonly groups: readonly RuleGroup[];
}
