/**
 * The idle vLLM V1 page of 2026-03 (test/fixtures/real/vllm, a Qwen2.5-0.5B server on kops): every
 * `vllm:` family it has is one the catalog knows and one a panel or a rule reads, and served to a real Prometheus with our rules,
 * every User overview and Machine overview panel on vLLM series has data, as a new user would see
 * right after starting a server.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { knownSeriesNames } from "../../src/catalog/index.js";
import { buildMixin, seriesReadByMixin } from "../../src/mixin/index.js";
import { MACHINE_OVERVIEW_UID, USER_OVERVIEW_UID } from "../../src/mixin/dashboards/index.js";
import { allSelectedValues, substituteVariables } from "../../src/mixin/dashboards/inspect.js";
import type { RunningPrometheus } from "../helpers/prometheus.js";
import { captureFamilies, dashboardPanelsOf, scrapeCapturesWithRules, serveCaptures, type CaptureServer } from "./helpers.js";

const CAPTURE = { name: "vllm", file: "vllm/vllm-v1-2026-03-qwen25-05b-idle.prom", host: "vllm-host" } as const;

/** Families of the page the catalog leaves out on purpose, and why. */
const NOT_CATALOGUED: Readonly<Record<string, string>> = {
  "vllm:prompt_tokens_recomputed_total":
    "existed from 2026-02-04 (#33290) to 2026-04-12 (#38709) only; prompt_tokens_by_source carries the same split",
};

/** Panels that may stay empty on this page, and why. */
const EMPTY_ALLOWED: Readonly<Record<string, string>> = {
  "HTTP 5xx ratio":
    "the idle server had answered no API request: the page has http_requests_total's TYPE line and no sample yet (a child per handler and status appears with the first request)",
  "Rejected (load shedding)": "vllm:admission_rejections_total came with vLLM 0.32; this page predates it",
};

describe("dashboards on the idle vLLM V1 page of 2026-03", () => {
  let server: CaptureServer | undefined;
  let prometheus: RunningPrometheus | undefined;

  before(async () => {
    server = await serveCaptures({ [CAPTURE.name]: CAPTURE.file });
    prometheus = await scrapeCapturesWithRules(server, [{ name: CAPTURE.name, labels: { hostname: CAPTURE.host } }]);
    await prometheus.waitForScrapes(3, { job: CAPTURE.name });
  });

  after(async () => {
    await prometheus?.stop();
    await server?.close();
  });

  test("knows every vllm: family of the page in the catalog", async () => {
    const known = knownSeriesNames();
    const unknown = [...(await captureFamilies(CAPTURE.file))]
      // why: prometheus_client's creation-time gauges, one per counter and histogram; no panel reads them.
      .filter((name) => name.startsWith("vllm:") && !name.endsWith("_created"))
      .filter((name) => !known.has(name) && NOT_CATALOGUED[name] === undefined);
    assert.deepEqual(unknown, []);
  });

  test("reads every vllm: family of the page in a panel or a rule", async () => {
    const read = new Set(seriesReadByMixin(buildMixin()));
    // why: a histogram is read through its _bucket, _sum or _count series, a counter by its whole name.
    const isRead = (family: string) => ["", "_bucket", "_sum", "_count"].some((suffix) => read.has(`${family}${suffix}`));
    const families = [...(await captureFamilies(CAPTURE.file))].filter(
      (name) => name.startsWith("vllm:") && !name.endsWith("_created") && NOT_CATALOGUED[name] === undefined,
    );
    assert.ok(families.length > 20, `the page has its vllm: families (${families.length})`);
    assert.deepEqual(
      families.filter((name) => !isRead(name)),
      [],
    );
  });

  for (const [title, uid] of [
    ["User overview", USER_OVERVIEW_UID],
    ["Machine overview", MACHINE_OVERVIEW_UID],
  ] as const) {
    test(`fills every ${title} panel on vLLM series with data from the page`, async () => {
      const values = { ...allSelectedValues("5s"), hostname: CAPTURE.host };
      const empty: string[] = [];
      for (const panel of dashboardPanelsOf(uid)) {
        for (const expr of panel.exprs) {
          if (!/\bvllm:|\bjob:vllm|\bvllm_/.test(expr) || /DCGM_FI_|nvidia_smi_|\bnode_/.test(expr)) continue;
          const samples = await prometheus!.query(substituteVariables(expr, values));
          if (samples.length === 0 && EMPTY_ALLOWED[panel.title] === undefined) empty.push(`${panel.title}: ${expr.slice(0, 120)}`);
        }
      }
      assert.deepEqual(empty, []);
    });
  }
});
