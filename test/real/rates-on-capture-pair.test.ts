/**
 * Rates on a real capture pair: two scrapes of one vLLM 0.30 server 108.39 s apart
 * (test/fixtures/real/vllm/vllm-0.30-qwen38-{before,after}.prom), fed to promtool at their spacing
 * in whole seconds (108 s; promtool's series notation drops the 0.39 s). With the window equal to
 * that spacing, Prometheus' rate() has nothing to extrapolate, so every panel query must give
 * exactly (after − before) / 108 s.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { parseExposition, type ExpositionFamily } from "../../src/exposition/index.js";
import { tokensPerSecond, preemptionsPerSecond } from "../../src/promql/instances.js";
import { counterSignals } from "../../src/promql/signals.js";
import { ruleScope } from "../../src/promql/scope.js";
import { counterRate } from "../../src/promql/vllm.js";
import { runPromtool } from "../helpers/promtool.js";
import { readCapture } from "./helpers.js";

/** The snapshots' `t_wall` are 1790824333.158 and 1790824441.551 (SOURCES.md): 108.39 s apart. */
const SPACING_SECONDS = 108;
const TARGET = { job: "vllm", instance: "gpu-host-1:8000" };

const labelText = (labels: Record<string, string>) =>
  `{${Object.entries(labels)
    .map(([name, value]) => `${name}="${value}"`)
    .join(",")}}`;

/** promtool input series: each sample of a counter family, its before and after values at the real spacing. */
function pairSeries(before: readonly ExpositionFamily[], after: readonly ExpositionFamily[]): { series: string; values: string }[] {
  const afterValue = new Map(
    after.flatMap((family) => family.samples.map((sample) => [`${sample.name}${labelText(sample.labels)}`, sample.value] as const)),
  );
  return before
    .filter((family) => family.type === "counter")
    .flatMap((family) => family.samples)
    .map((sample) => {
      const key = `${sample.name}${labelText(sample.labels)}`;
      return { series: `${sample.name}${labelText({ ...TARGET, ...sample.labels })}`, values: `${sample.value} ${afterValue.get(key)}` };
    });
}

test("gives per-second rates across a real vLLM 0.30 capture pair exactly as (after − before) / spacing: tokens, preemptions, finished requests", async () => {
  const before = parseExposition(await readCapture("vllm/vllm-0.30-qwen38-before.prom")).families;
  const after = parseExposition(await readCapture("vllm/vllm-0.30-qwen38-after.prom")).families;
  const options = { scope: ruleScope(`${SPACING_SECONDS}s`), source: "raw" as const };
  const seconds = SPACING_SECONDS;
  // Stated by the captures: prompt 63 → 2879, generated 144 → 32144, preemptions 0 → 22, finished (length) 9 → 41.
  const expectations = [
    { expr: tokensPerSecond(options, ["job"]), labels: labelText({ job: "vllm" }), value: (2879 - 63 + 32144 - 144) / seconds },
    { expr: preemptionsPerSecond(options, ["job"]), labels: labelText({ job: "vllm" }), value: 22 / seconds },
    { expr: counterRate(counterSignals().requests, options, ["job"]), labels: labelText({ job: "vllm" }), value: (41 - 9) / seconds },
  ];
  const dir = await mkdtemp(join(tmpdir(), "capture-pair-"));
  try {
    const file = join(dir, "test.yml");
    const round = (expr: string) => `round(${expr}, 0.000001)`;
    await writeFile(
      file,
      stringify(
        {
          rule_files: [],
          evaluation_interval: "1s",
          tests: [
            {
              interval: `${SPACING_SECONDS}s`,
              input_series: pairSeries(before, after),
              promql_expr_test: expectations.map(({ expr, labels, value }) => ({
                expr: round(expr),
                eval_time: `${SPACING_SECONDS}s`,
                exp_samples: [{ labels, value: Math.round(value * 1e6) / 1e6 }],
              })),
            },
          ],
        },
        { lineWidth: 0 },
      ),
    );
    const result = await runPromtool(["test", "rules", file]);
    assert.equal(result.code, 0, result.output);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
