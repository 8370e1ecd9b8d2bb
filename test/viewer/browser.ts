/**
 * Looks at the viewer as a person would: Debian's Chromium driven by playwright-core opens a
 * dashboard, opens its collapsed rows, waits for every panel to finish loading, reads what each
 * panel shows (an error, "No data", or data) and takes a full-page screenshot.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
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
}

export interface DashboardView {
  readonly panels: readonly PanelState[];
  /** JavaScript errors and console errors of the page. */
  readonly pageErrors: readonly string[];
}

async function openCollapsedRows(page: Page): Promise<void> {
  for (;;) {
    const collapsed = page.locator('[data-testid="panel-group-header"] [aria-label^="expand group"]');
    if ((await collapsed.count()) === 0) return;
    await collapsed.first().click();
  }
}

/** Reads every drawn panel; `undefined` while any of them is still loading. */
async function panelStates(page: Page): Promise<PanelState[] | undefined> {
  return page.evaluate(() => {
    const panels = [...document.querySelectorAll<HTMLElement>('[data-testid="panel"]')];
    const states = [];
    for (const panel of panels) {
      if (panel.querySelector('[aria-label="Loading..."], [aria-label="loading"], .MuiSkeleton-root') !== null) return undefined;
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
        entries,
      });
    }
    return states;
  });
}

/** Opens `url`, waits (bounded) for its `panelCount` panels to load, screenshots the whole page to `screenshot`. */
export async function viewDashboard(
  browser: Browser,
  url: string,
  panelCount: number,
  screenshot: string,
  timeoutMs = 90_000,
): Promise<DashboardView> {
  const page = await browser.context.newPage();
  const pageErrors: string[] = [];
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
    let panels: PanelState[] | undefined;
    await waitUntil(
      async () => {
        panels = await panelStates(page);
        return panels !== undefined && panels.length >= panelCount;
      },
      { what: `every panel of ${url} to load`, timeoutMs, intervalMs: 500 },
    ).catch(() => undefined);
    await page.screenshot({ path: screenshot, animations: "disabled", timeout: 120_000 });
    return { panels: panels ?? [], pageErrors };
  } finally {
    await page.close();
  }
}
