/**
 * Serving the real /metrics captures of test/fixtures/real to a real Prometheus: a static HTTP
 * server on a free 127.0.0.1 port answers `/NAME` with the file's bytes, unchanged.
 *
 *   const server = await serveCaptures({ t4: "dcgm/dcgm-exporter-tesla-t4-460.106.00.prom" });
 *   after(() => server.close());
 *   server.target("t4"); // "127.0.0.1:40123", path /t4
 */
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { AddressInfo } from "node:net";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { stringify } from "yaml";
import { parseExposition } from "../../src/exposition/index.js";
import { ruleFileText } from "../../src/render/rule-file-text.js";
import { startPrometheus, type RunningPrometheus } from "../helpers/prometheus.js";
import { buildMixin } from "../../src/mixin/index.js";
import { MACHINE_OVERVIEW_UID } from "../../src/mixin/dashboards/index.js";
import { dashboardPanels } from "../../src/mixin/dashboards/inspect.js";

export const REAL_ROOT = fileURLToPath(new URL("../fixtures/real/", import.meta.url));

export interface CaptureServer {
  /** host:port of the server; every capture is at path `/NAME`. */
  readonly address: string;
  close(): Promise<void>;
}

export async function readCapture(file: string): Promise<string> {
  return readFile(join(REAL_ROOT, file), "utf8");
}

/** Family names a capture holds. */
export async function captureFamilies(file: string): Promise<Set<string>> {
  return new Set(parseExposition(await readCapture(file)).families.map((family) => family.name));
}

export async function serveCaptures(files: Readonly<Record<string, string>>): Promise<CaptureServer> {
  const bodies = new Map<string, string>();
  for (const [name, file] of Object.entries(files)) bodies.set(`/${name}`, await readCapture(file));
  const server = createServer((request, response) => {
    const body = bodies.get(request.url ?? "");
    if (body === undefined) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * A real Prometheus that scrapes captures of `server` every second, one job per capture (path
 * `/NAME`, with the given target labels), and evaluates the mixin's rules every second.
 */
export async function scrapeCapturesWithRules(
  server: CaptureServer,
  jobs: readonly { readonly name: string; readonly labels?: Readonly<Record<string, string>> }[],
): Promise<RunningPrometheus> {
  const mixin = buildMixin();
  return startPrometheus({
    config: (dir) =>
      stringify({
        global: { scrape_interval: "1s", evaluation_interval: "1s" },
        rule_files: mixin.ruleFiles.map((file) => join(dir, file.fileName)),
        scrape_configs: jobs.map((job) => ({
          job_name: job.name,
          metrics_path: `/${job.name}`,
          static_configs: [{ targets: [server.address], labels: job.labels ?? {} }],
        })),
      }),
    files: Object.fromEntries(mixin.ruleFiles.map((file) => [file.fileName, ruleFileText(file)])),
  });
}

export interface PanelWithUnit {
  readonly title: string;
  readonly unit: string;
  readonly exprs: readonly string[];
}

export function machineOverviewPanels(): PanelWithUnit[] {
  return dashboardPanelsOf(MACHINE_OVERVIEW_UID);
}

/** Title, unit and queries of every panel of the portable dashboard with this uid. */
export function dashboardPanelsOf(uid: string): PanelWithUnit[] {
  const file = buildMixin().portableDashboards.find((candidate) => candidate.dashboard.uid === uid);
  assert.ok(file, `the dashboard ${uid} is built`);
  return dashboardPanels(file.dashboard).map((panel) => {
    const model = panel as { title?: string; targets?: readonly { expr?: string }[]; fieldConfig?: { defaults?: { unit?: string } } };
    return {
      title: model.title ?? "",
      unit: model.fieldConfig?.defaults?.unit ?? "",
      exprs: (model.targets ?? []).map((target) => target.expr ?? "").filter((expr) => expr !== ""),
    };
  });
}

/** Names in a query that are families of the GPU exporters (a panel on GPU series only). */
export function gpuFamiliesRead(expr: string): string[] {
  return [...expr.matchAll(/\b(DCGM_FI_[A-Z0-9_]+|nvidia_smi_[a-z0-9_]+)\b/g)].map((match) => match[1]!);
}

/** The range a unit allows, as a user reads it. */
export function unitRange(unit: string): readonly [number, number] {
  if (unit === "percent") return [0, 100];
  if (unit === "percentunit") return [0, 1];
  return [0, Number.POSITIVE_INFINITY];
}

/**
 * Runs `check` until it finds no problem or `timeoutMs` has passed, and returns its last list. A
 * capture's value is constant, but a query over a window of recent samples finds none while a
 * machine busy with other tests is late scraping; the test still fails if it never settles.
 */
export async function problemsOnceSettled(check: () => Promise<string[]>, timeoutMs = 20_000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const problems = await check();
    if (problems.length === 0 || Date.now() >= deadline) return problems;
    await sleep(500);
  }
}
