/**
 * The profiling (DCP) fields on real GPU Operator pages: engine, tensor and DRAM activity and PCIe
 * bytes per second, as real L40S, L4, T4 and RTX 4000 Ada pages state them. Each page is served to
 * a real Prometheus and every Machine overview panel that reads one of these fields must show the
 * page's value in the panel's unit (a ratio as percent where the panel says percent, bytes/s as is).
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { stringify } from "yaml";
import { dcgm } from "../../src/catalog/index.js";
import { parseExposition } from "../../src/exposition/index.js";
import { allSelectedValues, substituteVariables } from "../../src/mixin/dashboards/inspect.js";
import { startPrometheus, type RunningPrometheus } from "../helpers/prometheus.js";
import { gpuFamiliesRead, machineOverviewPanels, problemsOnceSettled, readCapture, serveCaptures, type CaptureServer } from "./helpers.js";

const CAPTURES = [
  { name: "l40s", file: "dcgm/dcgm-exporter-l40s-595.58.03.prom", host: "gpu1-wl8sg" },
  { name: "l4", file: "dcgm/dcgm-exporter-l4-580.105.08.prom", host: "i-030791dc5a37cd257" },
  { name: "t4", file: "dcgm/dcgm-exporter-tesla-t4-590.48.01.prom", host: "cp-bm14r7" },
  { name: "rtx4000ada", file: "dcgm/dcgm-exporter-rtx-4000-ada-580.95.05.prom", host: "lke529760-766837-0a634ab30000" },
] as const;

const PROFILING = [dcgm.grEngineActive, dcgm.tensorActive, dcgm.dramActive, dcgm.pcieTxBytes, dcgm.pcieRxBytes] as const;

describe("Machine overview panels on the profiling fields of real GPU Operator pages", () => {
  let server: CaptureServer | undefined;
  let prometheus: RunningPrometheus | undefined;

  before(async () => {
    server = await serveCaptures(Object.fromEntries(CAPTURES.map((capture) => [capture.name, capture.file])));
    prometheus = await startPrometheus({
      config: () =>
        stringify({
          global: { scrape_interval: "1s" },
          scrape_configs: CAPTURES.map((capture) => ({
            job_name: capture.name,
            metrics_path: `/${capture.name}`,
            static_configs: [{ targets: [server!.address] }],
          })),
        }),
    });
    // why: per job, since targets are discovered one by one and a wait over "every target" can pass before the last appears.
    for (const capture of CAPTURES) await prometheus.waitForScrapes(2, { job: capture.name });
  });

  after(async () => {
    await prometheus?.stop();
    await server?.close();
  });

  for (const capture of CAPTURES) {
    test(`shows the ${capture.name} page's engine, tensor, DRAM and PCIe readings as the page states them`, async () => {
      const families = parseExposition(await readCapture(capture.file)).families;
      const values = { ...allSelectedValues("5s"), hostname: capture.host };
      const wrong = await problemsOnceSettled(async () => {
        const found: string[] = [];
        for (const field of PROFILING) {
          const stated = families.find((family) => family.name === field.name)?.samples[0]?.value;
          assert.ok(stated !== undefined, `${capture.file} has ${field.name}`);
          const panels = machineOverviewPanels().flatMap((panel) =>
            panel.exprs.filter((expr) => gpuFamiliesRead(expr)[0] === field.name).map((expr) => ({ ...panel, expr })),
          );
          assert.ok(panels.length > 0, `a Machine overview panel reads ${field.name}`);
          for (const panel of panels) {
            const expected = panel.unit === "percent" ? stated * 100 : stated;
            const shown = (await prometheus!.query(substituteVariables(panel.expr, values))).map((sample) => sample.value);
            if (shown.length !== 1 || Math.abs(shown[0]! - expected) > 1e-9 * Math.max(1, expected))
              found.push(`${panel.title} (${field.name}, ${panel.unit}): shows ${shown.join(", ")}, the page states ${stated}`);
          }
        }
        return found;
      });
      assert.deepEqual(wrong, []);
    });
  }
});
