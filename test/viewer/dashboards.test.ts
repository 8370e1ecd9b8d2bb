/**
 * The built-in viewer in a real browser over the demo stack: Debian's Chromium opens every
 * dashboard of the viewer `up --native` serves (no Grafana here) and every panel must be drawn,
 * with no JavaScript error, no panel error and no "No data" where Prometheus has data for the
 * panel's queries. A panel left empty is reported with its queries, Prometheus's answers to them and
 * the page's own empty answers. A screenshot of each dashboard is written to a temporary folder (to
 * $VIEWER_SCREENSHOTS when set).
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { allSelectedValues, substituteVariables } from "../../src/mixin/dashboards/inspect.js";
import { buildMixin } from "../../src/mixin/index.js";
import type { PersesDashboard, PersesPanel } from "../../src/mixin/perses/index.js";
import { startProcess, waitUntil } from "../../src/process/index.js";
import { PAGE_DIR } from "../../src/viewer/server.js";
import { createWorkspace, query, queryRangeValues, type Workspace } from "../e2e/harness.js";
import { describeEmpty, emptyPanels, rateIntervalFor, type EmptyPanel } from "../e2e/panels.js";
import { useTemporaryDirs } from "../helpers/temporary.js";
import { CHROMIUM, launchBrowser, viewDashboard, type Browser, type PanelState, type QueryAnswer } from "./browser.js";

const temporaryDir = useTemporaryDirs();
const skip = existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM} (apt-get install chromium)`;
/** The workspace's SCRAPE_INTERVAL; `up --native` tells the viewer, and Perses steps and rates over it. */
const SCRAPE_SECONDS = 1;
/** The time range the test looks at; Prometheus is asked over the same range to explain an empty panel. */
const RANGE_SECONDS = 300;

async function buildPageIfMissing(): Promise<void> {
  if (existsSync(join(PAGE_DIR, "index.html"))) return;
  const build = startProcess({
    name: "build-viewer",
    command: process.execPath,
    args: [join(import.meta.dirname, "..", "..", "scripts", "build-viewer.mjs")],
  });
  const exit = await build.exited;
  assert.equal(exit.code, 0, "scripts/build-viewer.mjs failed");
}

/** The panel's queries as Prometheus gets them with every variable on All. */
function panelPromql(panel: PersesPanel): string[] {
  const values = allSelectedValues(rateIntervalFor(SCRAPE_SECONDS));
  return (panel.spec.queries ?? []).map((panelQuery) => substituteVariables(panelQuery.spec.plugin.spec.query, values));
}

/** Whether any query of the panel returns a sample in Prometheus. */
async function panelHasData(prometheusUrl: string, panel: PersesPanel): Promise<boolean> {
  for (const promql of panelPromql(panel)) {
    const samples = await query(prometheusUrl, promql).catch(() => []);
    if (samples.length > 0) return true;
  }
  return false;
}

/** Each query of an empty panel with Prometheus's answers to it now, and the page's answers that came back empty. */
async function explainEmpty(prometheusUrl: string, panel: PersesPanel, answers: readonly QueryAnswer[]): Promise<string> {
  const end = Math.floor(Date.now() / 1000);
  const lines: string[] = [];
  for (const promql of panelPromql(panel)) {
    const instant = await query(prometheusUrl, promql).then(
      (samples) => `${samples.length} series`,
      (error: unknown) => String(error),
    );
    const range = await queryRangeValues(prometheusUrl, promql, end - RANGE_SECONDS, end, SCRAPE_SECONDS).then(
      (values) => `${values.length} samples`,
      (error: unknown) => String(error),
    );
    lines.push(
      `    query: ${promql}\n      Prometheus now: instant ${instant}; last ${RANGE_SECONDS}s at ${SCRAPE_SECONDS}s steps: ${range}`,
    );
  }
  const empty = answers.filter((answer) => answer.series === undefined || answer.series === 0 || answer.samples === 0);
  lines.push(`    the page got ${answers.length} answers, ${empty.length} of them empty or failed:`);
  for (const answer of empty.slice(0, 8))
    lines.push(`      HTTP ${answer.status}, ${answer.series ?? "no"} series, range ${answer.range ?? "(instant)"}: ${answer.query}`);
  return lines.join("\n");
}

/**
 * A look at a dashboard, taken once more when the machine's network changed under it: Chromium aborts its requests
 * (net::ERR_NETWORK_CHANGED) whenever an interface comes or goes, as when a Docker test beside this one creates its
 * network. That is the machine, not the viewer; a second interruption is reported as it is.
 */
async function viewAgainIfNetworkChanged<T extends { pageErrors: readonly string[] }>(look: () => Promise<T>): Promise<T> {
  const changed = (text: string) => text.includes("ERR_NETWORK_CHANGED");
  const first = await look().catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));
  if (first instanceof Error) {
    if (!changed(first.message)) throw first;
  } else if (!first.pageErrors.some(changed)) return first;
  return look();
}

function looksEmpty(state: PanelState, panel: PersesPanel): boolean {
  if (state.saysNoData) return true;
  return panel.spec.plugin.kind === "TimeSeriesChart" && state.entries === 0;
}

describe("the viewer in Chromium over the demo stack", { skip }, () => {
  let workspace: Workspace;
  let viewerUrl: string;
  let browser: Browser;
  const dashboards: PersesDashboard[] = buildMixin().persesDashboards.map((file) => file.dashboard);

  before(async () => {
    await buildPageIfMissing();
    workspace = await createWorkspace();
    // why: Chromium starts while the stack does; neither waits for the other.
    const [up, launched] = await Promise.allSettled([workspace.cli(["up", "--native", "--detach"]), launchBrowser()]);
    if (launched.status === "fulfilled") browser = launched.value;
    if (up.status === "rejected") throw up.reason;
    if (launched.status === "rejected") throw launched.reason;
    assert.equal(up.value.code, 0, up.value.output);
    assert.match(up.value.output, /built-in viewer serves the dashboards/, "no Grafana here: up --native serves the built-in viewer");
    viewerUrl = `http://127.0.0.1:${workspace.ports.grafana}/`;
    let empty: EmptyPanel[] = [];
    await waitUntil(
      async () => {
        empty = await emptyPanels(workspace.prometheusUrl, SCRAPE_SECONDS, "raw");
        return empty.length === 0;
      },
      { what: "every panel query to return data", timeoutMs: 120_000, intervalMs: 2_000 },
    ).catch(() => assert.fail(`panel queries without data in Prometheus:\n${describeEmpty(empty)}`));
  });

  after(async () => {
    await browser?.close();
    await workspace?.cleanup();
  });

  async function dashboardProblems(dashboard: PersesDashboard, screenshots: string): Promise<string[]> {
    const problems: string[] = [];
    const name = dashboard.metadata.name;
    const panels = Object.values(dashboard.spec.panels);
    const url = `${viewerUrl}projects/${dashboard.metadata.project}/dashboards/${name}?start=5m&refresh=0s`;
    const view = await viewAgainIfNetworkChanged(() => viewDashboard(browser, url, panels.length, join(screenshots, `${name}.png`)));
    problems.push(...view.pageErrors.map((error) => `${name}: ${error}`));
    if (view.panels.length !== panels.length)
      problems.push(
        `${name}: ${view.panels.length} panels drawn of ${panels.length}: ${view.panels.map((panel) => panel.title).join(", ")}`,
      );
    // why: without the data source's scrape interval Perses steps at 1m, and right after start such windows hold no two samples.
    const coarse = view.answers.filter((answer) => Number(answer.range?.split(" ")[2] ?? 0) >= 60);
    if (coarse.length > 0)
      problems.push(
        `${name}: ${coarse.length} range queries step at 60 s or more, not at the ${SCRAPE_SECONDS}s scrape interval: ${coarse[0]?.query}`,
      );
    if (view.answers.length === 0) problems.push(`${name}: the page sent no query`);
    for (const state of view.panels) {
      const panel = panels.find((candidate) => candidate.spec.display.name === state.title);
      if (panel === undefined) problems.push(`${name}: a panel titled "${state.title}" is not in the dashboard`);
      else if (state.error !== undefined) problems.push(`${name} / ${state.title}: shows an error: ${state.error}`);
      else if (looksEmpty(state, panel) && (await panelHasData(workspace.prometheusUrl, panel)))
        problems.push(
          `${name} / ${state.title}: shows No data, but its query has data in Prometheus\n${await explainEmpty(workspace.prometheusUrl, panel, view.answers)}`,
        );
    }
    return problems;
  }

  test("draws every panel of every dashboard with data, without a JavaScript error or a panel error", async () => {
    const screenshots = process.env.VIEWER_SCREENSHOTS ?? temporaryDir("viewer-screenshots-");
    mkdirSync(screenshots, { recursive: true });
    const problems: string[] = [];
    // One look per dashboard: viewDashboard waits until every query the page sent has been answered.
    for (const dashboard of dashboards) problems.push(...(await dashboardProblems(dashboard, screenshots)));
    assert.equal(problems.length, 0, `\n${problems.join("\n")}`);
  });
});
