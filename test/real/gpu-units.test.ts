/**
 * The units of dcgm-exporter's GPU fields, as NVML and DCGM define them, through promtool: the
 * violation counters count nanoseconds of throttled time, and PROF_PCIE_*_BYTES are gauges already
 * in bytes per second. Input series carry the labels dcgm-exporter writes.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { dcgm } from "../../src/catalog/index.js";
import { pcieBytesPerSecond, throttledShare } from "../../src/promql/gpu-health.js";
import { ruleScope } from "../../src/promql/scope.js";
import { runPromtool } from "../helpers/promtool.js";

const GPU = { job: "dcgm", instance: "gpu-host-1:9400", gpu: "0", UUID: "GPU-aaaa", hostname: "gpu-host-1" };
const labelText = (labels: Record<string, string>) =>
  `{${Object.entries(labels)
    .map(([name, value]) => `${name}="${value}"`)
    .join(",")}}`;

async function promqlTest(
  input: { series: string; values: string }[],
  expr: string,
  expected: { labels: string; value: number }[],
): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "gpu-units-"));
  try {
    const file = join(dir, "test.yml");
    await writeFile(
      file,
      stringify(
        {
          rule_files: [],
          evaluation_interval: "1m",
          tests: [
            {
              interval: "1m",
              input_series: input,
              promql_expr_test: [{ expr, eval_time: "10m", exp_samples: expected.map(({ labels, value }) => ({ labels, value })) }],
            },
          ],
        },
        { lineWidth: 0 },
      ),
    );
    const result = await runPromtool(["test", "rules", file]);
    assert.equal(result.code, 0, result.output);
    return result.output;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test("reads the power violation counter as nanoseconds: 30 s throttled per minute is half the time", async () => {
  await promqlTest(
    [{ series: `${dcgm.powerViolation.name}${labelText(GPU)}`, values: "0+30000000000x10" }],
    // why: rate() of an exactly linear counter is 0.5 within a float's last digit.
    `round(${throttledShare("power", ruleScope("5m"))}, 0.001)`,
    [{ labels: labelText(GPU), value: 0.5 }],
  );
});

test("shows PCIe throughput as the PROF_PCIE_TX_BYTES gauge states it, with no rate over a gauge", async () => {
  await promqlTest(
    [
      {
        series: `${dcgm.pcieTxBytes.name}${labelText(GPU)}`,
        values: "770000 760000 775000 770000 770000 770000 770000 770000 770000 770000 770000",
      },
    ],
    pcieBytesPerSecond("tx", ruleScope("5m")),
    [{ labels: `${dcgm.pcieTxBytes.name}${labelText(GPU)}`, value: 770000 }],
  );
});

test("makes no PCIe rate out of the old PCIE_TX_THROUGHPUT field, a KB/s reading rather than a byte counter", async () => {
  await promqlTest(
    [{ series: `${dcgm.pcieTxThroughput.name}${labelText(GPU)}`, values: "752 745 760 752 752 748 752 756 752 752 752" }],
    pcieBytesPerSecond("tx", ruleScope("5m")),
    [],
  );
});
