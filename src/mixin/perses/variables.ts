import type * as cog from "@grafana/grafana-foundation-sdk/cog";
import type { VariableModel } from "@grafana/grafana-foundation-sdk/dashboard";
import type { PersesListVariable, VariablePlugin } from "./types.js";

/**
 * The dashboard's Grafana variables as Perses list variables. The data source variable has no
 * Perses counterpart (a Perses dashboard names its data source in `spec.datasources`) and is left out.
 */
export function persesVariables(variables: readonly cog.Builder<VariableModel>[]): PersesListVariable[] {
  return variables.map((builder) => builder.build()).flatMap((model) => (model.type === "query" ? [listVariable(model)] : []));
}

// why: Grafana's variable query is text (`label_values(selector, label)`, `query_result(expr)`); these
// are the only two forms our variables use, and a new form fails generation instead of passing silently.
const LABEL_VALUES = /^label_values\((.+),\s*([a-zA-Z_][a-zA-Z0-9_]*)\)$/s;
const QUERY_RESULT = /^query_result\((.+)\)$/s;
const CAPTURED_LABEL = /^\/([a-zA-Z_][a-zA-Z0-9_]*)="\(\[\^"\]\+\)"\/$/;

function variablePlugin(model: VariableModel): VariablePlugin {
  const query = typeof model.query === "string" ? model.query : "";
  const labelValues = LABEL_VALUES.exec(query);
  if (labelValues !== null) {
    return { kind: "PrometheusLabelValuesVariable", spec: { labelName: labelValues[2] ?? "", matchers: [labelValues[1] ?? ""] } };
  }
  const queryResult = QUERY_RESULT.exec(query);
  const captured = CAPTURED_LABEL.exec(model.regex ?? "");
  if (queryResult !== null && captured !== null) {
    return { kind: "PrometheusPromQLVariable", spec: { expr: queryResult[1] ?? "", labelName: captured[1] ?? "" } };
  }
  throw new Error(
    `variable ${model.name}: no Perses form for the Grafana query ${JSON.stringify(query)} (regex ${JSON.stringify(model.regex ?? "")})`,
  );
}

function listVariable(model: VariableModel): PersesListVariable {
  const includeAll = model.includeAll === true;
  return {
    kind: "ListVariable",
    spec: {
      name: model.name,
      display: { name: model.label ?? model.name, ...(model.description ? { description: model.description } : {}), hidden: false },
      allowAllValue: includeAll,
      allowMultiple: model.multi === true,
      ...(includeAll && model.allValue !== undefined ? { customAllValue: model.allValue } : {}),
      ...(includeAll ? { defaultValue: "$__all" } : {}),
      sort: "alphabetical-asc",
      plugin: variablePlugin(model),
    },
  };
}
