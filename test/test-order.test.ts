import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { useTemporaryDirs } from "./helpers/temporary.js";

const temporaryDir = useTemporaryDirs();

interface Duration {
  readonly seconds: number;
  readonly cpu?: number;
  readonly cores?: number;
}
interface TestFiles {
  longestFirst(files: readonly string[], durations: Record<string, Duration>): string[];
  readDurations(path: string): Record<string, Duration>;
  recordDurations(measured: Record<string, Duration>, path: string): void;
  coreShare(entry: Duration | undefined): number;
}

// why: a plain .mjs script (run by node before anything is compiled), imported without its types.
const testFiles = async (): Promise<TestFiles> => (await import("../scripts/test-files.mjs" as string)) as TestFiles;

test("the runner starts an unrecorded file first, then the recorded ones longest first", async () => {
  const { longestFirst } = await testFiles();
  assert.deepEqual(
    longestFirst(["a.test.ts", "b.test.ts", "c.test.ts", "new.test.ts"], {
      "a.test.ts": { seconds: 1 },
      "b.test.ts": { seconds: 30, cpu: 2 },
      "c.test.ts": { seconds: 5 },
    }),
    ["new.test.ts", "b.test.ts", "c.test.ts", "a.test.ts"],
  );
});

test("recording durations keeps the files not run, and a broken table says how to rewrite it", async () => {
  const { readDurations, recordDurations } = await testFiles();
  const path = join(temporaryDir("durations-"), "durations.json");
  assert.deepEqual(readDurations(path), {}, "no table: every file unrecorded");
  recordDurations({ "b.test.ts": { seconds: 12.345, cpu: 2.06 } }, path);
  recordDurations({ "a.test.ts": { seconds: 3 } }, path);
  assert.deepEqual(JSON.parse(readFileSync(path, "utf8")), { "a.test.ts": { seconds: 3 }, "b.test.ts": { seconds: 12.3, cpu: 2.1 } });
  writeFileSync(path, "{");
  assert.throws(() => readDurations(path), /durations\.json: .*TEST_DURATIONS_RECORD=1 node scripts\/run-tests\.mjs/);
  writeFileSync(path, JSON.stringify({ "a.test.ts": 3 }));
  assert.throws(() => readDurations(path), /durations\.json: "a\.test\.ts" has no "seconds" .*TEST_DURATIONS_RECORD=1/);
});

test("a file counts against the cores by its CPU over its wall time, a file never measured as a whole core", async () => {
  const { coreShare } = await testFiles();
  assert.equal(coreShare({ seconds: 40, cpu: 4 }), 0.1, "waits on timers: a tenth of a core");
  assert.equal(coreShare({ seconds: 10, cpu: 5 }), 0.5);
  assert.equal(coreShare({ seconds: 10, cpu: 30 }), 1, "busy children: capped at one core");
  assert.equal(coreShare({ seconds: 100, cpu: 1 }), 0.1, "at least a tenth");
  assert.equal(coreShare({ seconds: 10 }), 1, "no CPU recorded");
  assert.equal(coreShare(undefined), 1, "a new file");
  assert.equal(coreShare({ seconds: 100, cpu: 10, cores: 1 }), 1, "a stated share wins: its work runs in Docker's containers");
});

test("a recording keeps a file's stated share of a core", async () => {
  const { readDurations, recordDurations } = await testFiles();
  const path = join(temporaryDir("durations-cores-"), "durations.json");
  writeFileSync(path, JSON.stringify({ "docker.test.ts": { seconds: 90, cpu: 20, cores: 1 } }));
  recordDurations({ "docker.test.ts": { seconds: 80.04, cpu: 25 } }, path);
  assert.deepEqual(readDurations(path), { "docker.test.ts": { seconds: 80, cpu: 25, cores: 1 } });
});
