import type { GlobalDatasourceResource } from "@perses-dev/core";
import type { DatasourceApi } from "@perses-dev/dashboards";

/**
 * The data sources our server serves at /api/datasources: its read-only proxy to the Prometheus the
 * viewer was started with, carrying that Prometheus's scrape interval (Perses' minimum step and
 * `$__rate_interval` come from it).
 */
export async function fetchDatasources(): Promise<GlobalDatasourceResource[]> {
  const response = await fetch("/api/datasources");
  if (!response.ok) throw new Error(`/api/datasources: HTTP ${response.status}`);
  return (await response.json()) as GlobalDatasourceResource[];
}

export function datasourceApi(datasources: readonly GlobalDatasourceResource[]): DatasourceApi {
  const byDefault = datasources.find((datasource) => datasource.spec.default) ?? datasources[0];
  return {
    getDatasource: () => Promise.resolve(undefined),
    // why: every panel reads the one Prometheus, whatever data source name a dashboard spec carries.
    getGlobalDatasource: () => Promise.resolve(byDefault),
    listDatasources: () => Promise.resolve([]),
    listGlobalDatasources: () => Promise.resolve([...datasources]),
  };
}
