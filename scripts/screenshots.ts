/**
 * `npm run screenshots`: the pictures in README. Starts the native demo stack in a throw-away
 * folder, waits for every panel query to have data, opens each dashboard of the built-in viewer in
 * Chromium (test/viewer/browser.ts) and runs `vllm-monitor top` under tmux, then writes
 * docs/screenshots/<dashboard>.png and docs/screenshots/top.png. Run it again when dashboards change.
 *
 *   npm run build:viewer && npm run screenshots      # SCREENSHOT_DATA_SECONDS=120 for longer graphs
 */
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import Convert from "ansi-to-html";
import { buildMixin } from "../src/mixin/index.js";
import { waitUntil } from "../src/process/index.js";
import { startViewer } from "../src/viewer/server.js";
import { createWorkspace } from "../test/e2e/harness.js";
import { cliCommand } from "../test/helpers/cli.js";
import { emptyPanels } from "../test/e2e/panels.js";
import { launchBrowser, viewDashboard } from "../test/viewer/browser.js";

const OUT = fileURLToPath(new URL("../docs/screenshots/", import.meta.url));
const DATA_SECONDS = Number(process.env.SCREENSHOT_DATA_SECONDS ?? "90");
const SOCKET = `vllm-monitor-screenshots-${process.pid}`;
const tmux = (...args: string[]) => execFileSync("tmux", ["-L", SOCKET, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
const quote = (text: string) => `'${text.replace(/'/g, "'\\''")}'`;

mkdirSync(OUT, { recursive: true });
const workspace = await createWorkspace();
const browser = await launchBrowser();
try {
  const up = await workspace.cli(["up", "--native", "--detach"]);
  if (up.code !== 0) throw new Error(up.output);
  await waitUntil(async () => (await emptyPanels(workspace.prometheusUrl, 1, "raw")).length === 0, {
    what: "every panel query to have data",
    timeoutMs: 180_000,
    intervalMs: 2_000,
  });
  // why: a few minutes of history make the graphs readable.
  await new Promise((resolve) => setTimeout(resolve, DATA_SECONDS * 1000));
  const files = buildMixin().persesDashboards;
  // why: the workspace scrapes every 1s; told so, Perses steps at that interval rather than its 1m default.
  const viewer = await startViewer({ prometheusUrl: workspace.prometheusUrl, dashboards: files, port: 0, scrapeInterval: "1s" });
  for (const file of files) {
    const { metadata, spec } = file.dashboard;
    const url = `${viewer.url}projects/${metadata.project}/dashboards/${metadata.name}?start=5m&refresh=0s`;
    const view = await viewDashboard(browser, url, Object.keys(spec.panels).length, join(OUT, `${metadata.name}.png`));
    console.log(
      `${metadata.name}.png: ${view.panels.length} panels${view.pageErrors.length > 0 ? `, page errors: ${view.pageErrors.join("; ")}` : ""}`,
    );
  }
  await viewer.close();

  const { command, args } = cliCommand([
    "top",
    "--env-file",
    workspace.envFile,
    "--prometheus",
    workspace.prometheusUrl,
    "--interval",
    "1s",
  ]);
  tmux("new-session", "-d", "-s", "top", "-x", "150", "-y", "12", [command, ...args].map(quote).join(" "));
  await waitUntil(
    () => /^fleet/m.test(tmux("capture-pane", "-p", "-t", "top")) && /\d+%\s*$/m.test(tmux("capture-pane", "-p", "-t", "top")),
    { what: "top to show numbers", timeoutMs: 60_000, intervalMs: 500 },
  );
  await new Promise((resolve) => setTimeout(resolve, 3000));
  const ansi = tmux("capture-pane", "-e", "-p", "-t", "top");
  tmux("kill-server");
  const html = `<!doctype html><meta charset="utf-8"><body style="margin:0;background:#111"><pre style="margin:0;padding:12px;font:14px/1.35 'DejaVu Sans Mono',monospace;color:#ddd;background:#111">${new Convert({ escapeXML: true, fg: "#ddd", bg: "#111" }).toHtml(ansi)}</pre>`;
  const page = await browser.context.newPage();
  await page.setViewportSize({ width: 1300, height: 260 });
  await page.setContent(html);
  await page.locator("pre").screenshot({ path: join(OUT, "top.png") });
  console.log("top.png");
} finally {
  try {
    tmux("kill-server");
  } catch {
    // not running
  }
  await browser.close();
  await workspace.cleanup();
}
