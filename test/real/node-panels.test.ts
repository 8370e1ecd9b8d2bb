/**
 * The Machine overview's host panels on real node_exporter pages served to a real Prometheus:
 * node_exporter's own end-to-end fixture output (CPU, load and disk I/O; no MemAvailable, no
 * filesystem families, network bytes of `lo` only) and a scrape of Debian's node_exporter 1.5.0 on a VM (every
 * family the panels read). The simulator plays no part here.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { stringify } from "yaml";
import { node } from "../../src/catalog/index.js";
import { seriesRead } from "../../src/catalog/series-read.js";
import { buildMixin } from "../../src/mixin/index.js";
import { MACHINE_OVERVIEW_UID } from "../../src/mixin/dashboards/index.js";
import { allSelectedValues, dashboardPanels, substituteVariables } from "../../src/mixin/dashboards/inspect.js";
import { startPrometheus, type RunningPrometheus } from "../helpers/prometheus.js";
import { parseExposition } from "../../src/exposition/index.js";
import { readCapture, serveCaptures, type CaptureServer } from "./helpers.js";

const CAPTURES = [
  {
    name: "e2e",
    file: "node/e2e-output.txt",
    host: "fixture-host",
    filled: ["CPU busy", "Load", "Disk I/O"],
    lacking: ["RAM used", "Disk space used", "Network"],
  },
  {
    name: "vm",
    file: "node/node-exporter-1.5.0-debian-vm.prom",
    host: "debian-vm",
    filled: ["CPU busy", "Load", "RAM used", "Disk space used", "Disk I/O", "Network"],
    lacking: [],
  },
] as const;

const NODE_NAMES = new Set<string>(Object.values(node).map((family) => family.name));

interface HostPanel {
  readonly title: string;
  readonly unit: string;
  readonly exprs: readonly string[];
  readonly reads: readonly string[];
}

/** Machine overview panels that read node_exporter families and nothing else. */
function hostPanels(): HostPanel[] {
  const file = buildMixin().portableDashboards.find((candidate) => candidate.dashboard.uid === MACHINE_OVERVIEW_UID)!;
  return dashboardPanels(file.dashboard).flatMap((panel) => {
    const model = panel as { title?: string; targets?: readonly { expr?: string }[]; fieldConfig?: { defaults?: { unit?: string } } };
    const exprs = (model.targets ?? []).map((target) => target.expr ?? "").filter((expr) => expr !== "");
    const reads = [...new Set(exprs.flatMap((expr) => seriesRead(expr)))];
    if (reads.length === 0 || !reads.every((name) => NODE_NAMES.has(name))) return [];
    return [{ title: model.title ?? "", unit: model.fieldConfig?.defaults?.unit ?? "", exprs, reads }];
  });
}

/** Series names with at least one sample (node_exporter's fixture states network families with no sample outside `lo`). */
async function sampledNames(file: string): Promise<Set<string>> {
  const families = parseExposition(await readCapture(file)).families;
  return new Set(families.flatMap((family) => family.samples.map((sample) => sample.name)));
}

function unitRange(unit: string): readonly [number, number] {
  if (unit === "percent") return [0, 100];
  if (unit === "percentunit") return [0, 1];
  return [0, Number.POSITIVE_INFINITY];
}

describe("Machine overview host panels on real node_exporter pages", () => {
  let server: CaptureServer | undefined;
  let prometheus: RunningPrometheus | undefined;

  before(async () => {
    server = await serveCaptures(Object.fromEntries(CAPTURES.map((capture) => [capture.name, capture.file])));
    prometheus = await startPrometheus({
      config: stringify({
        // why: a loaded machine takes most of a second to scrape the 3,000-sample fixture; short scrape timeouts then fail the scrape and mark every series stale.
        global: { scrape_interval: "5s", scrape_timeout: "5s" },
        scrape_configs: CAPTURES.map((capture) => ({
          job_name: capture.name,
          metrics_path: `/${capture.name}`,
          static_configs: [{ targets: [server!.address], labels: { hostname: capture.host } }],
        })),
      }),
    });
    // why: rate() needs two samples; the page does not change, so the rates are 0 but present.
    await prometheus.waitForScrapes(3);
  });

  after(async () => {
    await prometheus?.stop();
    await server?.close();
  });

  for (const capture of CAPTURES) {
    test(`fills ${capture.filled.join(", ")} within each unit's range on the ${capture.name} page, and leaves empty only panels whose families it lacks`, async () => {
      const families = await sampledNames(capture.file);
      const values = { ...allSelectedValues("20s"), hostname: capture.host };
      const filled: string[] = [];
      const empty: string[] = [];
      const outOfRange: string[] = [];
      for (const panel of hostPanels()) {
        const samples = (await Promise.all(panel.exprs.map((expr) => prometheus!.query(substituteVariables(expr, values))))).flat();
        if (samples.length > 0) filled.push(panel.title);
        else empty.push(`${panel.title} (lacks ${panel.reads.filter((name) => !families.has(name)).join(", ") || "nothing"})`);
        const [low, high] = unitRange(panel.unit);
        for (const sample of samples)
          if (!(sample.value >= low && sample.value <= high)) outOfRange.push(`${panel.title} (${panel.unit}) = ${sample.value}`);
      }
      assert.deepEqual(filled, [...capture.filled]);
      assert.deepEqual(
        empty.map((entry) => entry.split(" (lacks")[0]),
        [...capture.lacking],
      );
      assert.ok(!empty.some((entry) => entry.endsWith("(lacks nothing)")), `empty although the page has every family: ${empty.join("; ")}`);
      assert.deepEqual(outOfRange, []);
    });
  }

  test("shows the VM's RAM used as MemTotal − MemAvailable and its fullest real filesystem as the page states them", async () => {
    const values = { ...allSelectedValues("20s"), hostname: "debian-vm" };
    const panel = (title: string) => hostPanels().find((candidate) => candidate.title === title)!;
    const [ram] = await prometheus!.query(substituteVariables(panel("RAM used").exprs[0]!, values));
    assert.equal(ram?.value, 2.5276166144e10 - 2.1776400384e10);
    const [disk] = await prometheus!.query(substituteVariables(panel("Disk space used").exprs[0]!, values));
    assert.ok(disk);
    assert.ok(Math.abs(disk.value - (1 - 7.5178287104e10 / 2.70553174016e11)) < 1e-12, String(disk.value));
  });
});
