import { matcher, type Selector } from "./selector.js";

/**
 * Where a query looks and over which window: the dashboards filter by Grafana variables and use
 * `$__rate_interval`; rules look at everything over a fixed window.
 */
export interface Scope {
  /** Matchers for vLLM series (job, instance, model_name, engine, and namespace and pod on Kubernetes). */
  readonly vllm: Selector;
  /** Matchers for GPU exporter series, besides the hostname handling in gpu.ts. */
  readonly gpu: Selector;
  /** Matchers for node_exporter series. */
  readonly node: Selector;
  /** Matchers for Prometheus' own per-target series (`up`). */
  readonly target: Selector;
  /** A regex the GPU host must match (dcgm-exporter `hostname`/`Hostname`, nvidia-smi instance host). */
  readonly hostname: string;
  /** The range of every rate(). */
  readonly window: string;
}

/** Names of the dashboard variables; every query of a panel honours those that apply to it. */
export const VARIABLES = {
  datasource: "datasource",
  job: "job",
  instance: "instance",
  modelName: "model_name",
  engine: "engine",
  hostname: "hostname",
  namespace: "namespace",
  pod: "pod",
  monitor: "monitor",
} as const;

/** `monitor=~"$monitor"`: the sender (MONITOR_NAME) on a central store; All (`.*`) also matches a local series without it. */
export function monitorMatcher(): Selector[number] {
  return matcher("monitor", "=~", `$${VARIABLES.monitor}`);
}

/** What Grafana substitutes in dashboard queries. */
export function grafanaScope(): Scope {
  const target = [matcher("job", "=~", `$${VARIABLES.job}`), matcher("instance", "=~", `$${VARIABLES.instance}`), monitorMatcher()];
  return {
    // why: V0 has no engine label; `engine=~".*"` (the All value) also matches the missing label.
    vllm: [
      ...target,
      matcher("model_name", "=~", `$${VARIABLES.modelName}`),
      matcher("engine", "=~", `$${VARIABLES.engine}`),
      // why: Kubernetes targets carry namespace and pod; compose and native ones do not, and `.*` (All) matches the missing label.
      matcher("namespace", "=~", `$${VARIABLES.namespace}`),
      matcher("pod", "=~", `$${VARIABLES.pod}`),
    ],
    gpu: target,
    node: target,
    target,
    hostname: `$${VARIABLES.hostname}`,
    window: "$__rate_interval",
  };
}

/** Rules see every target; `window` is the fixed range of recording rules. */
export function ruleScope(window: string): Scope {
  return { vllm: [], gpu: [], node: [], target: [], hostname: ".*", window };
}

/**
 * The Machine overview's scope. vLLM series keep the vLLM variables and add the `hostname`
 * variable; GPU, node_exporter and target series are filtered by `hostname` only.
 * why: dashboard links carry vLLM's `job`/`instance` over, and those never match an exporter's
 * target, so filtering exporter series by them emptied the GPU and host rows after a drill-down.
 * GPU series get the host filter through `hostname` in gpu.ts.
 */
export function machineScope(): Scope {
  const scope = grafanaScope();
  const host = matcher("hostname", "=~", `$${VARIABLES.hostname}`);
  return {
    ...scope,
    vllm: [...scope.vllm, host],
    gpu: [monitorMatcher()],
    node: [host, monitorMatcher()],
    target: [host, monitorMatcher()],
  };
}
