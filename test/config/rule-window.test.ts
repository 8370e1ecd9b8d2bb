import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { durationSeconds } from "../../src/promql/duration.js";
import { RECORDING_WINDOW } from "../../src/promql/signals.js";

test("no rule rates over a window shorter than the one SCRAPE_INTERVAL is checked against", () => {
  const ranges = readdirSync("rules")
    .filter((name) => name.endsWith(".yml"))
    .flatMap((name) =>
      [...readFileSync(join("rules", name), "utf8").matchAll(/\[(\d+(?:ms|[smhdwy]))(?::[^\]]*)?\]/g)].map((match) => match[1] ?? ""),
    );
  assert.ok(ranges.length > 0, "the committed rules hold range selectors");
  const shortest = Math.min(...ranges.map(durationSeconds));
  assert.equal(shortest, durationSeconds(RECORDING_WINDOW));
});
