/**
 * Our alerting and recording rules as one PrometheusRule: the groups of every rule file the mixin
 * ships, in its order, unchanged, so the operator's Prometheus evaluates exactly what rules/ holds.
 */
import { PrometheusRule } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule";
import type { RuleFile } from "../mixin/rules/index.js";
import { commonLabels, type KubernetesOptions } from "./options.js";

export const PROMETHEUS_RULE_NAME = "vllm-monitor";

export function prometheusRule(files: readonly RuleFile[], options: KubernetesOptions): PrometheusRule {
  return new PrometheusRule({
    metadata: { name: PROMETHEUS_RULE_NAME, namespace: options.namespace, labels: commonLabels(options) },
    spec: {
      groups: files
        .flatMap((file) => file.groups)
        .map((group) => ({
          name: group.name,
          rules: group.rules.map((rule) =>
            "record" in rule
              ? { record: rule.record, expr: rule.expr }
              : { ...rule, labels: { ...rule.labels }, annotations: { ...rule.annotations } },
          ),
        })),
    },
  });
}
