/**
 * The dashboards on the older real vLLM pages of test/fixtures/real: a V0 page (0.6.x line) and a
 * 0.10.0 fragment, served to a real Prometheus with our rules. Every User overview, Machine
 * overview and Instances panel that reads a `vllm:` family the page has shows data in its unit's
 * range, as a user still on those releases would see it.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { seriesRead } from "../../src/catalog/series-read.js";
import { INSTANCES_UID, MACHINE_OVERVIEW_UID, USER_OVERVIEW_UID } from "../../src/mixin/dashboards/index.js";
import { allSelectedValues, substituteVariables } from "../../src/mixin/dashboards/inspect.js";
import type { RunningPrometheus } from "../helpers/prometheus.js";
import { captureFamilies, dashboardPanelsOf, scrapeCapturesWithRules, serveCaptures, unitRange, type CaptureServer } from "./helpers.js";

const STARTUP_PAGE =
  "the page was read at the server's startup from its multiprocess registry: no request had finished, so no request_success_total or http_requests_total sample, which the availability SLO needs";
const NO_PROCESS_FAMILIES = "the page is the multiprocess registry's vllm: families only, with no process_* families of the API server";

/** Each page, and the panels that may stay empty on it although they read one of its families, and why. */
const CAPTURES = [
  {
    name: "v0",
    file: "vllm/vllm-v0-fork-llama2-7b-startup.prom",
    host: "v0-host",
    emptyAllowed: {
      "Availability attainment (28d)": STARTUP_PAGE,
      "Error budget remaining (28d)": STARTUP_PAGE,
      "Availability burn rate per tier": STARTUP_PAGE,
      "Cached share of prompt tokens": "V0 counts no cached prompt tokens (vllm:prompt_tokens_cached_total came with V1)",
      "Prefix cache hit rate":
        "prefix caching is off on this server (cache_config_info enable_prefix_caching=False), so V0 writes -1 for its hit rate; the panel shows no ratio rather than -100 %",
      "API server CPU": NO_PROCESS_FAMILIES,
      "API server resident memory": NO_PROCESS_FAMILIES,
      "API server open file descriptors": NO_PROCESS_FAMILIES,
    },
  },
  {
    name: "v010",
    file: "vllm/vllm-0.10.0-glm45-fragment.prom",
    host: "v010-host",
    emptyAllowed: {
      "Prefix cache hit rate":
        "the fragment has the queries counter but neither vllm:prefix_cache_hits_total nor the deprecated gpu_prefix_cache_queries_total (cut off in the issue)",
    } as Readonly<Record<string, string>>,
  },
] as const;

/** The `vllm:` families an expression reads that the page has (a histogram or counter by any of its series). */
function familiesReadFrom(expr: string, families: ReadonlySet<string>): string[] {
  const strip = (name: string) => name.replace(/_(bucket|sum|count)$/, "");
  return seriesRead(expr).filter((name) => name.startsWith("vllm:") && (families.has(name) || families.has(strip(name))));
}

describe("dashboards on the older real vLLM pages (V0, 0.10.0)", () => {
  let server: CaptureServer | undefined;
  let prometheus: RunningPrometheus | undefined;

  before(async () => {
    server = await serveCaptures(Object.fromEntries(CAPTURES.map((capture) => [capture.name, capture.file])));
    prometheus = await scrapeCapturesWithRules(
      server,
      CAPTURES.map((capture) => ({ name: capture.name, labels: { hostname: capture.host } })),
    );
    // why: the Instances uptime column is a subquery stepped at the 5 s rate interval, aligned to multiples of 5 s:
    // 7 one-second scrapes put at least one of its steps after the first sample.
    for (const capture of CAPTURES) await prometheus.waitForScrapes(7, { job: capture.name });
  });

  after(async () => {
    await prometheus?.stop();
    await server?.close();
  });

  for (const capture of CAPTURES) {
    test(`fills every overview and Instances panel that reads a vllm: family of the ${capture.name} page, within its unit's range`, async () => {
      const families = await captureFamilies(capture.file);
      const values = { ...allSelectedValues("5s"), hostname: capture.host, job: capture.name };
      const empty: string[] = [];
      const outOfRange: string[] = [];
      let checked = 0;
      for (const uid of [USER_OVERVIEW_UID, MACHINE_OVERVIEW_UID, INSTANCES_UID]) {
        for (const panel of dashboardPanelsOf(uid)) {
          for (const expr of panel.exprs) {
            const read = familiesReadFrom(expr, families);
            if (read.length === 0) continue;
            checked += 1;
            const samples = await prometheus!.query(substituteVariables(expr, values));
            if (samples.length === 0 && (capture.emptyAllowed as Readonly<Record<string, string>>)[panel.title] === undefined)
              empty.push(`${panel.title}: ${read.join(", ")}`);
            const [low, high] = unitRange(panel.unit);
            for (const sample of samples)
              if (!(sample.value >= low && sample.value <= high)) outOfRange.push(`${panel.title} (${panel.unit}) = ${sample.value}`);
          }
        }
      }
      assert.ok(checked > 0, `some panel reads a family of ${capture.file}`);
      assert.deepEqual(empty, [], "panels with no data although the page has their series");
      assert.deepEqual(outOfRange, []);
    });
  }
});
