/**
 * The viewer page: an index of our Perses dashboards and each dashboard drawn by Perses' own React
 * libraries (@perses-dev/dashboards and the panel plugins), bundled by scripts/build-viewer.mjs.
 */
import { ThemeProvider } from "@mui/material";
import type { DashboardResource, DurationString, GlobalDatasourceResource } from "@perses-dev/core";
import { ChartsProvider, generateChartsTheme, getTheme, SnackbarProvider } from "@perses-dev/components";
import { ViewDashboard } from "@perses-dev/dashboards";
import {
  PluginRegistry,
  TimeRangeProviderWithQueryParams,
  useInitialRefreshInterval,
  useInitialTimeRange,
} from "@perses-dev/plugin-system";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { useEffect, useMemo, useState, type ReactElement } from "react";
import { createRoot } from "react-dom/client";
import { QueryParamProvider } from "use-query-params";
import { WindowHistoryAdapter } from "use-query-params/adapters/window";
import { datasourceApi, fetchDatasources } from "./datasource.js";
import { bundledPluginLoader } from "./plugins.js";

const DASHBOARD_PATH = /^\/projects\/([^/]+)\/dashboards\/([^/]+)\/?$/;

function dashboardPath(dashboard: DashboardResource): string {
  return `/projects/${dashboard.metadata.project}/dashboards/${dashboard.metadata.name}`;
}

/** Links between dashboards keep the time range and refresh of the current page. */
function keptParameters(): string {
  const current = new URLSearchParams(window.location.search);
  const kept = new URLSearchParams();
  for (const name of ["start", "end", "refresh"]) {
    const value = current.get(name);
    if (value !== null) kept.set(name, value);
  }
  const text = kept.toString();
  return text === "" ? "" : `?${text}`;
}

function NavigationBar({ dashboards, current }: { dashboards: readonly DashboardResource[]; current?: string }): ReactElement {
  return (
    <nav className="viewer-nav" aria-label="Dashboards">
      <a className="viewer-home" href="/">
        vLLM monitor
      </a>
      {dashboards.map((dashboard) => (
        <a
          key={dashboard.metadata.name}
          href={`${dashboardPath(dashboard)}${keptParameters()}`}
          aria-current={dashboard.metadata.name === current ? "page" : undefined}
        >
          {dashboard.spec.display?.name ?? dashboard.metadata.name}
        </a>
      ))}
    </nav>
  );
}

function DashboardIndex({ dashboards }: { dashboards: readonly DashboardResource[] }): ReactElement {
  return (
    <main className="viewer-index">
      <h1>Dashboards</h1>
      <ul>
        {dashboards.map((dashboard) => (
          <li key={dashboard.metadata.name}>
            <a href={dashboardPath(dashboard)}>{dashboard.spec.display?.name ?? dashboard.metadata.name}</a>
            <p>{dashboard.spec.display?.description}</p>
          </li>
        ))}
      </ul>
    </main>
  );
}

function TimedDashboard({
  dashboard,
  datasources,
}: {
  dashboard: DashboardResource;
  datasources: readonly GlobalDatasourceResource[];
}): ReactElement {
  const initialTimeRange = useInitialTimeRange(dashboard.spec.duration);
  const initialRefreshInterval = useInitialRefreshInterval((dashboard.spec.refreshInterval ?? "0s") as DurationString);
  const api = useMemo(() => datasourceApi(datasources), [datasources]);
  return (
    <TimeRangeProviderWithQueryParams initialTimeRange={initialTimeRange} initialRefreshInterval={initialRefreshInterval}>
      <ViewDashboard
        dashboardResource={dashboard}
        datasourceApi={api}
        isReadonly={true}
        isEditing={false}
        isVariableEnabled={true}
        isDatasourceEnabled={true}
        dashboardTitleComponent={<h1 className="viewer-title">{dashboard.spec.display?.name ?? dashboard.metadata.name}</h1>}
      />
    </TimeRangeProviderWithQueryParams>
  );
}

function App(): ReactElement {
  const [loaded, setLoaded] = useState<{ dashboards: DashboardResource[]; datasources: GlobalDatasourceResource[] } | undefined>(undefined);
  const [failure, setFailure] = useState<string | undefined>(undefined);
  useEffect(() => {
    const dashboardsRequest = fetch("/api/dashboards").then((response) =>
      response.ok
        ? (response.json() as Promise<DashboardResource[]>)
        : Promise.reject(new Error(`/api/dashboards: HTTP ${response.status}`)),
    );
    Promise.all([dashboardsRequest, fetchDatasources()])
      .then(([dashboards, datasources]) => setLoaded({ dashboards, datasources }))
      .catch((error: unknown) => setFailure(String(error)));
  }, []);
  if (failure !== undefined) return <p role="alert">Could not load the dashboards: {failure}</p>;
  if (loaded === undefined) return <p>Loading…</p>;
  const { dashboards, datasources } = loaded;
  const match = DASHBOARD_PATH.exec(window.location.pathname);
  const dashboard = match === null ? undefined : dashboards.find((candidate) => candidate.metadata.name === match[2]);
  return (
    <>
      <NavigationBar dashboards={dashboards} {...(dashboard === undefined ? {} : { current: dashboard.metadata.name })} />
      {dashboard === undefined ? (
        <DashboardIndex dashboards={dashboards} />
      ) : (
        <TimedDashboard key={dashboard.metadata.name} dashboard={dashboard} datasources={datasources} />
      )}
    </>
  );
}

function Providers({ children }: { children: ReactElement }): ReactElement {
  const queryClient = useMemo(() => new QueryClient({ defaultOptions: { queries: { refetchOnWindowFocus: false, retry: 0 } } }), []);
  const muiTheme = useMemo(() => getTheme("light"), []);
  const chartsTheme = useMemo(() => generateChartsTheme(muiTheme, {}), [muiTheme]);
  const loader = useMemo(() => bundledPluginLoader(), []);
  return (
    <ThemeProvider theme={muiTheme}>
      <ChartsProvider chartsTheme={chartsTheme}>
        <SnackbarProvider anchorOrigin={{ vertical: "top", horizontal: "right" }} variant="default" content="">
          <QueryClientProvider client={queryClient}>
            <QueryParamProvider adapter={WindowHistoryAdapter}>
              <PluginRegistry
                pluginLoader={loader}
                defaultPluginKinds={{ Panel: "TimeSeriesChart", TimeSeriesQuery: "PrometheusTimeSeriesQuery" }}
              >
                {children}
              </PluginRegistry>
            </QueryParamProvider>
          </QueryClientProvider>
        </SnackbarProvider>
      </ChartsProvider>
    </ThemeProvider>
  );
}

const root = document.getElementById("root");
if (root !== null) {
  createRoot(root).render(
    <Providers>
      <App />
    </Providers>,
  );
}
