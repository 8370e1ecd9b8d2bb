/**
 * Looks at the viewer as a person would: Debian's Chromium driven by playwright-core opens a
 * dashboard, opens its collapsed rows, waits until every panel has loaded and every query it sent
 * has been answered, reads what each panel shows (an error, "No data", or data) and takes a
 * full-page screenshot. The answers the page got are kept, to explain a panel left empty.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page, type Request } from "playwright-core";
import { waitUntil } from "../../src/process/index.js";

export const CHROMIUM = process.env.CHROMIUM_BIN ?? "/usr/bin/chromium";

const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export interface Browser {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

/** Chromium with a fresh profile in a temporary folder, removed on close. */
export async function launchBrowser(): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), "vllm-monitor-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
    viewport: { width: 1600, height: 1000 },
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export interface PanelState {
  readonly title: string;
  /** The panel's error text, when it shows one. */
  readonly error?: string;
  /** It says "No data" (stat, gauge and table panels say so in text). */
  readonly saysNoData: boolean;
  /** Series named in its legend or rows in its table (a time series with none draws "No data" on its canvas). */
  readonly entries: number;
  /** It still shows a loading indicator. */
  readonly loading: boolean;
}

/** One PromQL query the page sent through the viewer's proxy, and what came back. */
export interface QueryAnswer {
  readonly query: string;
  /** start, end and step of a range query, as sent. */
  readonly range?: string;
  readonly status: number;
  /** Series in the answer; undefined when it was not a success. */
  readonly series?: number;
  /** Samples over all series. */
  readonly samples: number;
}

export interface DashboardView {
  readonly panels: readonly PanelState[];
  /** JavaScript errors and console errors of the page. */
  readonly pageErrors: readonly string[];
  readonly answers: readonly QueryAnswer[];
}

const QUERY_PATH = /\/prometheus\/api\/v1\/query(_range)?$/;

interface PrometheusAnswer {
  status?: string;
  data?: { result?: { values?: unknown[]; value?: unknown }[] };
}

async function readAnswer(request: Request): Promise<QueryAnswer | undefined> {
  const url = new URL(request.url());
  if (!QUERY_PATH.test(url.pathname)) return undefined;
  const parameters = request.method() === "POST" ? new URLSearchParams(request.postData() ?? "") : url.searchParams;
  const range = ["start", "end", "step"].map((name) => parameters.get(name)).filter((value) => value !== null);
  const response = await request.response();
  const body = ((await response?.json().catch(() => undefined)) ?? {}) as PrometheusAnswer;
  const result = body.status === "success" ? (body.data?.result ?? []) : undefined;
  return {
    query: parameters.get("query") ?? "",
    ...(range.length === 0 ? {} : { range: range.join(" ") }),
    status: response?.status() ?? 0,
    ...(result === undefined ? {} : { series: result.length }),
    samples: (result ?? []).reduce((sum, series) => sum + (series.values?.length ?? (series.value === undefined ? 0 : 1)), 0),
  };
}

async function openCollapsedRows(page: Page): Promise<void> {
  for (;;) {
    const collapsed = page.locator('[data-testid="panel-group-header"] [aria-label^="expand group"]');
    if ((await collapsed.count()) === 0) return;
    await collapsed.first().click();
  }
}

/** Reads every drawn panel. */
async function panelStates(page: Page): Promise<PanelState[]> {
  return page.evaluate(() => {
    const panels = [...document.querySelectorAll<HTMLElement>('[data-testid="panel"]')];
    const states = [];
    for (const panel of panels) {
      const loading = panel.querySelector('[aria-label="Loading..."], [aria-label="loading"], .MuiSkeleton-root') !== null;
      const headerId = panel.getAttribute("aria-labelledby") ?? "";
      const title =
        (headerId === "" ? null : document.getElementById(headerId))?.querySelector("h6, h2, h3")?.textContent ??
        document.getElementById(headerId)?.textContent ??
        "";
      const alert = panel.querySelector('[aria-label="panel errors"], .MuiAlert-root, [role="alert"]');
      const entries = panel.querySelectorAll('[role="listitem"], tbody tr, [role="row"]').length;
      states.push({
        title: title.trim(),
        ...(alert === null ? {} : { error: (alert.textContent ?? "").trim() || (alert.getAttribute("aria-label") ?? "error") }),
        saysNoData: (panel.textContent ?? "").includes("No data"),
        loading,
        entries,
      });
    }
    return states;
  });
}

/**
 * Opens `url`, waits (bounded) until its `panelCount` panels have loaded and no query of the page is
 * waiting for its answer, and screenshots the whole page to `screenshot`.
 */
export async function viewDashboard(
  browser: Browser,
  url: string,
  panelCount: number,
  screenshot: string,
  timeoutMs = 180_000,
): Promise<DashboardView> {
  const page = await browser.context.newPage();
  const pageErrors: string[] = [];
  const pending = new Set<Request>();
  const answering: Promise<QueryAnswer | undefined>[] = [];
  page.on("request", (request) => {
    if (QUERY_PATH.test(new URL(request.url()).pathname)) pending.add(request);
  });
  const settled = (request: Request) => {
    if (!pending.delete(request)) return;
    answering.push(readAnswer(request).catch(() => undefined));
  };
  page.on("requestfinished", settled);
  page.on("requestfailed", (request) => {
    if (pending.has(request)) pageErrors.push(`query failed: ${request.failure()?.errorText ?? "?"} ${request.url()}`);
    pending.delete(request);
  });
  page.on("pageerror", (error) => pageErrors.push(`pageerror: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") pageErrors.push(`console: ${message.text()} (${message.location().url})`);
  });
  try {
    await page.goto(url);
    await page.locator('[data-testid="panel"]').first().waitFor({ timeout: timeoutMs });
    await openCollapsedRows(page);
    // why: panels load only once scrolled into view; a viewport as tall as the page shows them all.
    const height = await page.evaluate(() => document.documentElement.scrollHeight);
    await page.setViewportSize({ width: 1600, height: Math.min(Math.max(height, 1000), 16_000) });
    let panels: PanelState[] = [];
    // why: a panel draws its skeleton only while its own query runs; one that has not asked yet looks loaded. So wait
    // for every panel loaded with no query pending, twice in a row (a panel's query starts once its variables resolve).
    let quietLooks = 0;
    await waitUntil(
      async () => {
        panels = await panelStates(page);
        const loaded = panels.length >= panelCount && panels.every((panel) => !panel.loading);
        const quiet = loaded && pending.size === 0 && answering.length > 0;
        quietLooks = quiet ? quietLooks + 1 : 0;
        return quietLooks >= 2;
      },
      { what: `every panel of ${url} to load and its queries to be answered`, timeoutMs, intervalMs: 500 },
    ).catch(() => undefined);
    if (pending.size > 0) pageErrors.push(`${pending.size} queries still unanswered after ${timeoutMs / 1000} s`);
    const loading = panels.filter((panel) => panel.loading).map((panel) => panel.title);
    if (loading.length > 0) pageErrors.push(`still loading after ${timeoutMs / 1000} s: ${loading.join(", ")}`);
    await page.screenshot({ path: screenshot, animations: "disabled", timeout: 120_000 });
    const answers = (await Promise.all(answering)).filter((answer) => answer !== undefined);
    return { panels, pageErrors, answers };
  } finally {
    await page.close();
  }
}
