import type { GlobalDatasourceResource } from "@perses-dev/core";
import type { DatasourceApi } from "@perses-dev/dashboards";

/** The one data source: our server's read-only proxy to the Prometheus the viewer was started with. */
const PROMETHEUS: GlobalDatasourceResource = {
  kind: "GlobalDatasource",
  metadata: { name: "prometheus" },
  spec: { default: true, plugin: { kind: "PrometheusDatasource", spec: { directUrl: "/prometheus" } } },
};

export function datasourceApi(): DatasourceApi {
  return {
    getDatasource: () => Promise.resolve(undefined),
    getGlobalDatasource: () => Promise.resolve(PROMETHEUS),
    listDatasources: () => Promise.resolve([]),
    listGlobalDatasources: () => Promise.resolve([PROMETHEUS]),
  };
}
