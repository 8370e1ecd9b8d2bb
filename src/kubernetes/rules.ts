/**
 * Our alerting and recording rules as one PrometheusRule: the groups of every rule file the mixin
 * ships, in its order, unchanged, so the operator's Prometheus evaluates exactly what rules/ holds.
 */
import { PrometheusRule } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule";
import { parse } from "yaml";
import type { RuleFile } from "../mixin/rules/index.js";
import { commonLabels, type KubernetesOptions } from "./options.js";

export const PROMETHEUS_RULE_NAME = "vllm-monitor";

/** One rule as our rule files write it. */
interface RuleText {
  readonly record?: string;
  readonly alert?: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
}

interface RuleGroupText {
  readonly name: string;
  readonly rules: readonly RuleText[];
}

/** The groups of a rule file's YAML text. */
export function ruleGroups(file: RuleFile): RuleGroupText[] {
  const document = parse(file.content) as { groups?: RuleGroupText[] } | null;
  if (!Array.isArray(document?.groups)) throw new Error(`${file.fileName} has no groups`);
  return document.groups;
}

function copyRule(rule: RuleText) {
  return {
    ...rule,
    ...(rule.labels === undefined ? {} : { labels: { ...rule.labels } }),
    ...(rule.annotations === undefined ? {} : { annotations: { ...rule.annotations } }),
  };
}

export function prometheusRule(files: readonly RuleFile[], options: KubernetesOptions): PrometheusRule {
  return new PrometheusRule({
    metadata: { name: PROMETHEUS_RULE_NAME, namespace: options.namespace, labels: commonLabels(options) },
    spec: { groups: files.flatMap(ruleGroups).map((group) => ({ name: group.name, rules: group.rules.map(copyRule) })) },
  });
}
