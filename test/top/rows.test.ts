import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { thresholds } from "../../src/mixin/index.js";
import { buildRows, cellText, fleetTotal, level, sortRows, type Sample } from "../../src/top/rows.js";

const row = (instance: string, engine = "0", hostname = "gpu-a"): Record<string, string> => ({
  job: "vllm",
  instance,
  model_name: "m",
  engine,
  hostname,
});
const sample = (metric: Record<string, string>, value: number): Sample => ({ metric, value });

describe("top rows", () => {
  const rows = buildRows(
    {
      running: [sample(row("a:8000"), 3), sample(row("b:8000", "0", "gpu-b"), 7)],
      kvCache: [sample(row("a:8000"), 0.5), sample(row("b:8000", "0", "gpu-b"), 0.97)],
      ttftP95: [sample(row("a:8000"), 0.2), sample(row("b:8000", "0", "gpu-b"), 9)],
      errors: [sample(row("a:8000"), 0), sample(row("b:8000", "0", "gpu-b"), 1)],
      finished: [sample(row("a:8000"), 10), sample(row("b:8000", "0", "gpu-b"), 2)],
    },
    [sample(row("a:8000"), 3), sample(row("b:8000", "0", "gpu-b"), 7)],
    { gpuUtilisation: [sample({ hostname: "gpu-a" }, 40), sample({ hostname: "gpu-b" }, 95)] },
  );

  test("joins every column into one line per server and engine, with the GPUs of its host", () => {
    assert.deepEqual(
      rows.map((line) => [line.instance, line.host, line.values.running, line.values.gpuUtilisation]),
      [
        ["a:8000", "gpu-a", 3, 40],
        ["b:8000", "gpu-b", 7, 95],
      ],
    );
  });

  test("sums counts and rates on the fleet line and keeps the worst latency and usage", () => {
    const fleet = fleetTotal(rows);
    assert.equal(fleet.values.running, 10);
    assert.equal(fleet.values.errors, 1);
    assert.equal(fleet.values.ttftP95, 9);
    assert.equal(cellText("kvCache", fleet), "97.0%");
  });

  test("colours a cell red at the mixin's alert threshold and leaves it plain below", () => {
    const limits = thresholds();
    const [healthy, sick] = sortRows(rows, "instance");
    assert.ok(healthy && sick);
    assert.equal(level("kvCache", healthy, limits), "ok");
    assert.equal(level("kvCache", sick, limits), "alert");
    assert.equal(level("ttftP95", sick, limits), "alert");
    assert.equal(level("errors", sick, limits), "alert");
    assert.equal(level("errors", healthy, limits), "ok");
  });

  test("sorts by a number busiest first and by name alphabetically", () => {
    assert.deepEqual(
      sortRows(rows, "running").map((line) => line.instance),
      ["b:8000", "a:8000"],
    );
    assert.deepEqual(
      sortRows(rows, "instance").map((line) => line.instance),
      ["a:8000", "b:8000"],
    );
  });
});
