import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { isUserError } from "../../src/errors.js";
import { startProcess, waitUntil } from "../../src/process/index.js";
import { lockFile, lockStack } from "../../src/stack/lock.js";
import { isAlive, listStacks } from "../../src/stack/registry.js";
import { createWorkspace, type Workspace } from "../e2e/harness.js";
import { useTemporaryDirs } from "../helpers/temporary.js";

const temporaryDir = useTemporaryDirs();
const TSX_LOADER = import.meta.resolve("tsx");
const LOCK_MODULE = fileURLToPath(new URL("../../src/stack/lock.ts", import.meta.url));
const TRIES = 20;

/** A real process that takes the stack's lock TRIES times and logs entering and leaving. */
function contender(dir: string, journal: string) {
  const script = join(dir, `contender-${Math.random().toString(36).slice(2)}.mts`);
  writeFileSync(
    script,
    [
      `import { appendFileSync } from "node:fs";`,
      `import { lockStack } from ${JSON.stringify(LOCK_MODULE)};`,
      `for (let i = 0; i < ${TRIES}; i += 1) {`,
      `  const lock = await lockStack(${JSON.stringify(join(dir, "build"))}, "test", { waitMs: 60_000 });`,
      `  appendFileSync(${JSON.stringify(journal)}, "enter " + process.pid + "\\n");`,
      `  await new Promise((resolve) => setTimeout(resolve, 5));`,
      `  appendFileSync(${JSON.stringify(journal)}, "leave " + process.pid + "\\n");`,
      `  lock.release();`,
      `}`,
    ].join("\n"),
  );
  return startProcess({
    name: "contender",
    command: process.execPath,
    args: ["--import", TSX_LOADER, script],
    env: { ...process.env, XDG_STATE_HOME: join(dir, "state") },
  });
}

describe("one command at a time per stack", () => {
  test(`two processes taking the same stack's lock ${TRIES} times each never overlap`, async () => {
    const dir = temporaryDir("vllm-monitor-lock-");
    const journal = join(dir, "journal");
    writeFileSync(journal, "");
    const first = contender(dir, journal);
    const second = contender(dir, journal);
    const [a, b] = await Promise.all([first.exited, second.exited]);
    assert.deepEqual([a.code, b.code], [0, 0], [...first.recentOutput(), ...second.recentOutput()].join("\n"));
    const lines = readFileSync(journal, "utf8").trim().split("\n");
    assert.equal(lines.length, 4 * TRIES);
    for (let index = 0; index < lines.length; index += 2) {
      const [enter, leave] = [lines[index] ?? "", lines[index + 1] ?? ""];
      assert.match(enter, /^enter \d+$/);
      assert.equal(
        leave,
        enter.replace("enter", "leave"),
        `line ${index + 2}: another process entered while ${enter.slice(6)} held the lock`,
      );
    }
  });

  test("a lock left by a process that is gone is taken over; a live one makes the next command refuse, naming it", async () => {
    const dir = temporaryDir("vllm-monitor-lock-");
    const environment = { XDG_STATE_HOME: join(dir, "state") };
    const out = join(dir, "build");
    const held = await lockStack(out, "up --native", { environment, waitMs: 0 });
    await assert.rejects(
      lockStack(out, "down", { environment, waitMs: 300 }),
      (error: unknown) => isUserError(error) && new RegExp(`vllm-monitor up --native \\(pid ${process.pid}, since `).test(error.message),
    );
    held.release();
    writeFileSync(lockFile(out, environment), JSON.stringify({ pid: 2 ** 30, command: "up", since: "long ago" }));
    const taken = await lockStack(out, "down", { environment, waitMs: 0 });
    assert.equal(JSON.parse(readFileSync(lockFile(out, environment), "utf8")).pid, process.pid);
    taken.release();
  });
});

describe("races between real commands on one native stack", () => {
  let workspace: Workspace;
  after(async () => workspace?.cleanup());

  test("down right after up --detach recorded itself stops everything up started, three times in a row", async () => {
    workspace = await createWorkspace();
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const up = workspace.runCliProcess(["up", "--native", "--detach"]);
      await waitUntil(async () => listStacks(workspace.env).length > 0, { what: "the stack recorded", timeoutMs: 60_000, intervalMs: 20 });
      const down = await workspace.runCliProcess(["down"]);
      const upResult = await up;
      assert.equal(down.code, 0, down.output);
      assert.doesNotMatch(down.output, /Docker/);
      assert.notEqual(upResult.code, 0, "up reports that its stack was stopped");
      await waitUntil(async () => workspace.recordedPids().every((pid) => !isAlive(pid)) && listStacks(workspace.env).length === 0, {
        what: "nothing left running or recorded",
        timeoutMs: 60_000,
        intervalMs: 100,
      });
    }
  });

  test("Ctrl-C during up --detach stops what was started and says so", async () => {
    workspace ??= await createWorkspace();
    const up = workspace.spawnCli(["up", "--native", "--detach"]);
    await waitUntil(async () => workspace.recordedPids().length > 1, {
      what: "a child of the stack started",
      timeoutMs: 60_000,
      intervalMs: 20,
    });
    const started = workspace.recordedPids();
    process.kill(up.pid, "SIGINT");
    const exit = await up.exited;
    assert.equal(exit.code, 130, up.recentOutput().join("\n"));
    assert.match(
      up.recentOutput().join("\n"),
      /Interrupted \(SIGINT\) while the native stack was starting: stopped it and every process it had started/,
    );
    await waitUntil(async () => started.every((pid) => !isAlive(pid)), {
      what: "every started process gone",
      timeoutMs: 30_000,
      intervalMs: 100,
    });
    assert.equal(listStacks(workspace.env).length, 0);
  });

  test("two up --detach at once: one runs, the other refuses without touching its output folder", async () => {
    workspace ??= await createWorkspace();
    const [first, second] = await Promise.all([
      workspace.runCliProcess(["up", "--native", "--detach"]),
      workspace.runCliProcess(["up", "--native", "--detach"]),
    ]);
    const codes = [first.code, second.code].sort();
    assert.deepEqual(codes, [0, 2], `${first.output}\n---\n${second.output}`);
    const loser = first.code === 2 ? first : second;
    assert.match(loser.output, /already running|Another command is changing the stack/);
    const status = await workspace.cli(["status"]);
    assert.equal(status.code, 0, status.output);
    const down = await workspace.cli(["down"]);
    assert.equal(down.code, 0, down.output);
  });
});
