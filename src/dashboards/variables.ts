import type * as cog from "@grafana/grafana-foundation-sdk/cog";
import {
  DatasourceVariableBuilder,
  QueryVariableBuilder,
  VariableRefresh,
  VariableSort,
  type VariableModel,
} from "@grafana/grafana-foundation-sdk/dashboard";
import { scrape, vllm } from "../catalog/index.js";
import { hostsQuery } from "../promql/gpu.js";
import { VARIABLES } from "../promql/scope.js";
import { matcher, series } from "../promql/selector.js";
import { datasourceRef } from "./panels.js";

/** The dashboard variables, created fresh for each dashboard. */

function multiQuery(name: string, label: string, query: string, description: string): QueryVariableBuilder {
  return new QueryVariableBuilder(name)
    .label(label)
    .description(description)
    .datasource(datasourceRef())
    .query(query)
    .refresh(VariableRefresh.OnTimeRangeChanged)
    .sort(VariableSort.AlphabeticalAsc)
    .multi(true)
    .includeAll(true)
    // why: `.*` also matches a missing label (V0 has no `engine`), unlike Grafana's default value list.
    .allValue(".*")
    .current({ text: "All", value: "$__all" });
}

const job = matcher("job", "=~", `$${VARIABLES.job}`);
const instance = matcher("instance", "=~", `$${VARIABLES.instance}`);
const modelName = matcher("model_name", "=~", `$${VARIABLES.modelName}`);

function datasourceVariable(): DatasourceVariableBuilder {
  return new DatasourceVariableBuilder(VARIABLES.datasource).label("Data source").type("prometheus").description("The Prometheus that scrapes vLLM.");
}

function jobVariable(): QueryVariableBuilder {
  return multiQuery(VARIABLES.job, "Job", `label_values(${scrape.up.name}, job)`, "Prometheus scrape jobs.");
}

function instanceVariable(): QueryVariableBuilder {
  return multiQuery(VARIABLES.instance, "Instance", `label_values(${series(scrape.up.name, [job])}, instance)`, "Scrape targets of the selected jobs.");
}

// why: scoped to a vLLM gauge present in every version, since node_exporter and others also emit model_name.
function modelNameVariable(): QueryVariableBuilder {
  return multiQuery(
    VARIABLES.modelName,
    "Model",
    `label_values(${series(vllm.numRequestsRunning.name, [job, instance])}, model_name)`,
    "Served model names (first --served-model-name).",
  );
}

function engineVariable(): QueryVariableBuilder {
  return multiQuery(
    VARIABLES.engine,
    "Engine",
    `label_values(${series(vllm.numRequestsRunning.name, [job, instance, modelName])}, engine)`,
    "Data-parallel engine index (vLLM V1 ≥ 0.8.3; empty on older servers, where All still matches).",
  );
}

function hostnameVariable(): QueryVariableBuilder {
  const hosts = hostsQuery({ vllm: [], gpu: [job], node: [], target: [job], hostname: ".*", window: "" });
  return multiQuery(
    VARIABLES.hostname,
    "Host",
    `query_result(${hosts})`,
    "Hosts: every target's hostname label (one host's vLLM, GPUs and node_exporter share it), or a GPU exporter's own host label.",
  ).regex('/hostname="([^"]+)"/');
}

const namespace = matcher("namespace", "=~", `$${VARIABLES.namespace}`);

// why: the Prometheus Operator labels every target with its pod's namespace and pod; outside Kubernetes
// the variables offer nothing and stay on All (`.*`), which also matches the missing label.
function namespaceVariable(): QueryVariableBuilder {
  return multiQuery(
    VARIABLES.namespace,
    "Namespace",
    `label_values(${series(vllm.numRequestsRunning.name, [job, instance])}, namespace)`,
    "Kubernetes namespace of the vLLM pods (empty outside Kubernetes, where All still matches).",
  );
}

function podVariable(): QueryVariableBuilder {
  return multiQuery(
    VARIABLES.pod,
    "Pod",
    `label_values(${series(vllm.numRequestsRunning.name, [job, instance, namespace])}, pod)`,
    "Kubernetes pod of each vLLM server (empty outside Kubernetes, where All still matches).",
  );
}

/** Variables of the User overview, in the order Grafana shows them. */
export function vllmVariables(): cog.Builder<VariableModel>[] {
  return [datasourceVariable(), jobVariable(), instanceVariable(), modelNameVariable(), engineVariable(), namespaceVariable(), podVariable()];
}

/** Variables of the Machine overview: the vLLM ones plus the host. */
export function machineVariables(): cog.Builder<VariableModel>[] {
  return [...vllmVariables(), hostnameVariable()];
}
