import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { pruneRunLogs, RUN_LOGS_KEPT } from "../../src/stack/native/run-logs.js";

describe("native run logs", () => {
  test("keeps the newest run logs and any whose supervisor still runs, and deletes the rest", () => {
    const stateDir = mkdtempSync(join(tmpdir(), "run-logs-"));
    after(() => rmSync(stateDir, { recursive: true, force: true }));
    // A real running process stands for a supervisor that is still up: its log is the oldest of all.
    const running = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"], { stdio: "ignore" });
    after(() => running.kill("SIGKILL"));
    const runningPid = running.pid as number;
    const now = Date.now() / 1000;
    const write = (name: string, ageSeconds: number): void => {
      writeFileSync(join(stateDir, name), "a line\n");
      utimesSync(join(stateDir, name), now - ageSeconds, now - ageSeconds);
    };
    write(`native-${runningPid}.log`, 100_000);
    // Pids far above any pid_max: no process has them.
    for (let index = 0; index < RUN_LOGS_KEPT + 5; index += 1) write(`native-${90_000_000 + index}.log`, index * 60);
    write("native-starting-123.log", 1);
    write("prometheus-data", 1);

    assert.equal(pruneRunLogs(stateDir), 5);
    const left = readdirSync(stateDir).sort();
    const expected = [
      ...Array.from({ length: RUN_LOGS_KEPT }, (_, index) => `native-${90_000_000 + index}.log`),
      `native-${runningPid}.log`,
      "native-starting-123.log",
      "prometheus-data",
    ].sort();
    assert.deepEqual(left, expected);
    assert.equal(pruneRunLogs(stateDir), 0, "a second prune finds nothing to delete");
  });

  test("a state folder that does not exist yet has nothing to prune", () => {
    assert.equal(pruneRunLogs(join(tmpdir(), "run-logs-never-made", String(process.pid))), 0);
  });
});
