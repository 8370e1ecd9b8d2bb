/**
 * The Perses plugins the page bundles (Prometheus queries and variables, and the panel kinds our
 * dashboards use), registered as Perses' dynamic-import loader expects, but all from this bundle.
 */
import * as gauge from "@perses-dev/gauge-chart-plugin";
import * as markdown from "@perses-dev/markdown-plugin";
import * as prometheus from "@perses-dev/prometheus-plugin";
import * as stat from "@perses-dev/stat-chart-plugin";
import * as table from "@perses-dev/table-plugin";
import * as timeseries from "@perses-dev/timeseries-chart-plugin";
import { dynamicImportPluginLoader, type PluginLoader, type PluginModuleResource } from "@perses-dev/plugin-system";

interface PluginPackage {
  getPluginModule(): unknown;
}

const PACKAGES: readonly PluginPackage[] = [prometheus, timeseries, stat, gauge, table, markdown];

export function bundledPluginLoader(): PluginLoader {
  return dynamicImportPluginLoader(
    PACKAGES.map((module) => ({ resource: module.getPluginModule() as PluginModuleResource, importPlugin: () => Promise.resolve(module) })),
  );
}
