import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { useTemporaryDirs } from "./helpers/temporary.js";

const temporaryDir = useTemporaryDirs();

interface TestFiles {
  longestFirst(files: readonly string[], durations: Record<string, number>): string[];
  readDurations(path: string): Record<string, number>;
  recordDurations(measured: Record<string, number>, path: string): void;
}

// why: a plain .mjs script (run by node before anything is compiled), imported without its types.
const testFiles = async (): Promise<TestFiles> => (await import("../scripts/test-files.mjs" as string)) as TestFiles;

test("the runner starts an unrecorded file first, then the recorded ones longest first", async () => {
  const { longestFirst } = await testFiles();
  assert.deepEqual(
    longestFirst(["a.test.ts", "b.test.ts", "c.test.ts", "new.test.ts"], { "a.test.ts": 1, "b.test.ts": 30, "c.test.ts": 5 }),
    ["new.test.ts", "b.test.ts", "c.test.ts", "a.test.ts"],
  );
});

test("recording durations keeps the files not run, and a broken table says how to rewrite it", async () => {
  const { readDurations, recordDurations } = await testFiles();
  const path = join(temporaryDir("durations-"), "durations.json");
  assert.deepEqual(readDurations(path), {}, "no table: every file unrecorded");
  recordDurations({ "b.test.ts": 12.345 }, path);
  recordDurations({ "a.test.ts": 3 }, path);
  assert.deepEqual(JSON.parse(readFileSync(path, "utf8")), { "a.test.ts": 3, "b.test.ts": 12.3 });
  writeFileSync(path, "{");
  assert.throws(() => readDurations(path), /durations\.json: .*TEST_DURATIONS_RECORD=1 node scripts\/run-tests\.mjs/);
});
