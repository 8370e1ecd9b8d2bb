import type * as cog from "@grafana/grafana-foundation-sdk/cog";
import {
  DatasourceVariableBuilder,
  QueryVariableBuilder,
  VariableRefresh,
  VariableSort,
  type VariableModel,
} from "@grafana/grafana-foundation-sdk/dashboard";
import { dcgm, node, nvidiaSmi, vllm } from "../../catalog/index.js";
import { AGGREGATES } from "../../promql/aggregates.js";
import { hostsQuery } from "../../promql/gpu.js";
import { monitorMatcher, VARIABLES } from "../../promql/scope.js";
import { matcher, series, type Selector } from "../../promql/selector.js";
import { datasourceRef } from "./panels.js";

/** The dashboard variables, created fresh for each dashboard. */

function multiQuery(name: string, label: string, query: string, description: string): QueryVariableBuilder {
  return (
    new QueryVariableBuilder(name)
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
      .current({ text: "All", value: "$__all" })
  );
}

const job = matcher("job", "=~", `$${VARIABLES.job}`);
const instance = matcher("instance", "=~", `$${VARIABLES.instance}`);
const modelName = matcher("model_name", "=~", `$${VARIABLES.modelName}`);
// why: the Monitor variable comes first, so on a central store the lists below offer only what that sender has.
const monitor = monitorMatcher();

function datasourceVariable(): DatasourceVariableBuilder {
  return new DatasourceVariableBuilder(VARIABLES.datasource)
    .label("Data source")
    .type("prometheus")
    .description("The Prometheus that scrapes vLLM.");
}

/** A vLLM gauge present in every version: the job and instance variables list only targets that have it. */
const VLLM_SERIES = vllm.numRequestsRunning.name;
/** The series of every exporter the Machine overview reads: vLLM, GPU exporters, node_exporter. */
const MACHINE_NAMES = matcher(
  "__name__",
  "=~",
  [VLLM_SERIES, dcgm.gpuTemp.name, nvidiaSmi.temperatureGpu.name, node.unameInfo.name].join("|"),
);
const machineSeries = (...matchers: Selector): string => series("", [MACHINE_NAMES, ...matchers]);

// why: scoped to the series the dashboard reads, not to `up`, so a shared Prometheus does not offer every job it scrapes.
function jobVariable(selector = series(VLLM_SERIES, [monitor]), description = "Scrape jobs of vLLM servers."): QueryVariableBuilder {
  return multiQuery(VARIABLES.job, "Job", `label_values(${selector}, job)`, description);
}

function instanceVariable(
  selector = series(VLLM_SERIES, [job, monitor]),
  description = "vLLM servers of the selected jobs.",
): QueryVariableBuilder {
  return multiQuery(VARIABLES.instance, "Instance", `label_values(${selector}, instance)`, description);
}

// why: scoped to a vLLM gauge present in every version, since node_exporter and others also emit model_name.
function modelNameVariable(): QueryVariableBuilder {
  return multiQuery(
    VARIABLES.modelName,
    "Model",
    `label_values(${series(vllm.numRequestsRunning.name, [job, instance, monitor])}, model_name)`,
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

// why: on a central store every sender's series carry its MONITOR_NAME; a local Prometheus has none, and All (`.*`) still matches.
function monitorVariable(seriesName = VLLM_SERIES): QueryVariableBuilder {
  return multiQuery(
    VARIABLES.monitor,
    "Monitor",
    `label_values(${seriesName}, monitor)`,
    "The Prometheus that sent the data (MONITOR_NAME), one per cluster or node, on a central store; empty on a local Prometheus, where All still matches.",
  );
}

/** Variables of the User overview, in the order Grafana shows them. */
export function vllmVariables(): cog.Builder<VariableModel>[] {
  return [
    datasourceVariable(),
    monitorVariable(),
    jobVariable(),
    instanceVariable(),
    modelNameVariable(),
    engineVariable(),
    namespaceVariable(),
    podVariable(),
  ];
}

/** Variables of the Machine overview: the vLLM ones (job and instance also over GPU and node_exporter targets) plus the host. */
export function machineVariables(): cog.Builder<VariableModel>[] {
  const machineJob = jobVariable(machineSeries(monitor), "Scrape jobs of vLLM servers, GPU exporters and node_exporter.");
  const machineInstance = instanceVariable(machineSeries(job, monitor), "Targets of the selected jobs.");
  return [
    datasourceVariable(),
    monitorVariable(machineSeries()),
    machineJob,
    machineInstance,
    modelNameVariable(),
    engineVariable(),
    namespaceVariable(),
    podVariable(),
    hostnameVariable(),
  ];
}

/**
 * Variables of the Fleet overview: job and model only. Through the recording rules they read an
 * aggregate (one series per job and model), so listing them costs the same at any fleet size.
 */
export function fleetVariables(source: "raw" | "recorded"): cog.Builder<VariableModel>[] {
  const seriesName = source === "recorded" ? AGGREGATES.running : VLLM_SERIES;
  return [
    datasourceVariable(),
    monitorVariable(seriesName),
    jobVariable(series(seriesName, [monitor])),
    multiQuery(
      VARIABLES.modelName,
      "Model",
      `label_values(${series(seriesName, [job, monitor])}, model_name)`,
      "Served model names (first --served-model-name).",
    ),
  ];
}
