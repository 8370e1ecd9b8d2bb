/**
 * Xid alerts on dcgm-exporter pages that put the code in an `err_code` label, as the real RTX 4000
 * Ada page does (`err_code="0",err_msg="No Error"`). There a new Xid is a new series (the label
 * changes with the code), not a change of one series' value, so `changes()` alone never sees it.
 * The generated rules run in the real promtool on series shaped like that capture.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { dcgm } from "../../src/catalog/index.js";
import { parseExposition } from "../../src/exposition/index.js";
import { testMixinRules } from "../helpers/promtool.js";
import { readCapture } from "./helpers.js";

const CAPTURE = "dcgm/dcgm-exporter-rtx-4000-ada-580.95.05.prom";

/** The labels of the capture's Xid series, with the code and message of another Xid. */
async function captureLabels(gpu: string, code: number, message: string): Promise<Record<string, string>> {
  const family = parseExposition(await readCapture(CAPTURE)).families.find((candidate) => candidate.name === dcgm.xidErrors.name);
  assert.ok(family, `${CAPTURE} has ${dcgm.xidErrors.name}`);
  const labels = family.samples[0]!.labels;
  return { ...labels, gpu, UUID: `${labels.UUID!.slice(0, -1)}${gpu}`, err_code: String(code), err_msg: message };
}

async function seriesFor(gpu: string, code: number, message: string) {
  const name = (labels: Record<string, string>) =>
    `${dcgm.xidErrors.name}{${Object.entries(labels)
      .map(([label, value]) => `${label}="${value}"`)
      .join(",")}}`;
  // why: the exporter serves the "No Error" series for 3 minutes, then the Xid's own series from minute 3 on.
  return [
    { series: name(await captureLabels(gpu, 0, "No Error")), values: "0 0 0" },
    { series: name(await captureLabels(gpu, code, message)), values: `_ _ _ ${code}x9` },
  ];
}

test("the real RTX 4000 Ada page labels its Xid gauge with err_code and err_msg", async () => {
  const family = parseExposition(await readCapture(CAPTURE)).families.find((candidate) => candidate.name === dcgm.xidErrors.name);
  assert.deepEqual(
    family?.samples.map((sample) => [sample.labels.err_code, sample.labels.err_msg, sample.value]),
    [["0", "No Error", 0]],
  );
});

test("pages on Xid 79 and warns on Xid 94 when dcgm-exporter writes each code as a new err_code series, and pages nobody for Xid 45", async () => {
  const firing = (alert: string) => `count by (gpu, xid) (ALERTS{alertname="${alert}", alertstate="firing"})`;
  const tests = {
    evaluation_interval: "1m",
    tests: [
      {
        interval: "1m",
        input_series: [
          ...(await seriesFor("0", 79, "GPU has fallen off the bus")),
          ...(await seriesFor("1", 45, "Preemptive cleanup")),
          ...(await seriesFor("2", 94, "Contained ECC error")),
        ],
        promql_expr_test: [
          { expr: firing("GpuXidError"), eval_time: "6m", exp_samples: [{ labels: '{gpu="0", xid="79"}', value: 1 }] },
          { expr: firing("GpuXidWarning"), eval_time: "6m", exp_samples: [{ labels: '{gpu="2", xid="94"}', value: 1 }] },
        ],
      },
    ],
  };
  const result = await testMixinRules(tests);
  assert.equal(result.code, 0, result.output);
});
