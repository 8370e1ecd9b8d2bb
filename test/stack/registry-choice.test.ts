import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { userInfo } from "node:os";
import { join } from "node:path";
import { findFreePort } from "../../src/process/index.js";
import { liveStacks, recordStack, registryDir, type NativeState } from "../../src/stack/registry.js";
import { runCli } from "../helpers/cli.js";
import { useTemporaryDirs } from "../helpers/temporary.js";

const temporaryDir = useTemporaryDirs();

/** A pid far above pid_max stands for a process that no longer exists. */
const GONE = 2 ** 30;

/**
 * A native stack record in its own folder. A live one claims this test process as its
 * supervisor (a pid that surely lives); nothing listens on its Prometheus port.
 */
async function nativeStack(root: string, folder: string, options: { live: boolean; envText?: string }): Promise<NativeState> {
  const workDir = join(root, folder);
  mkdirSync(workDir, { recursive: true });
  if (options.envText !== undefined) writeFileSync(join(workDir, ".env"), options.envText);
  const prometheusPort = await findFreePort();
  return {
    kind: "native",
    supervisorPid: options.live ? process.pid : GONE,
    phase: "running",
    startedAt: new Date().toISOString(),
    demo: options.envText === undefined,
    outDir: join(workDir, "build"),
    envFile: join(workDir, ".env"),
    workDir,
    logFile: join(workDir, ".vllm-monitor", "native.log"),
    prometheusUrl: `http://127.0.0.1:${prometheusPort}`,
    processes: [
      {
        name: "prometheus",
        pid: options.live ? process.pid : GONE,
        command: "prometheus",
        ports: [{ port: prometheusPort, variable: "PROMETHEUS_PORT" }],
      },
    ],
  };
}

function workspace(): { root: string; env: Record<string, string> } {
  const root = temporaryDir("vllm-monitor-stacks-");
  return { root, env: { XDG_STATE_HOME: join(root, "state") } };
}

describe("the stack registry, as the commands use it", () => {
  test("records the name, user and folder of each stack", async () => {
    const { root, env } = workspace();
    recordStack(await nativeStack(root, "fleet-a", { live: true }), env);
    const [file] = readdirSync(registryDir(env));
    const record = JSON.parse(readFileSync(join(registryDir(env), file ?? ""), "utf8")) as Record<string, unknown>;
    assert.equal(record.name, "fleet-a");
    assert.equal(record.user, userInfo().username);
    assert.equal(record.uid, userInfo().uid);
    assert.equal(record.workDir, join(root, "fleet-a"));
  });

  test("status lists only the live stacks, by name, user and folder", async () => {
    const { root, env } = workspace();
    recordStack(await nativeStack(root, "alive-one", { live: true }), env);
    recordStack(await nativeStack(root, "dead-one", { live: false }), env);
    assert.deepEqual(
      liveStacks(env).map((stack) => stack.name),
      ["alive-one"],
    );
    const run = await runCli(["status"], { cwd: "/", env });
    assert.equal(run.code, 1, "Prometheus does not answer, so not healthy");
    assert.match(
      run.stdout,
      new RegExp(
        `Native stack alive-one running: supervisor pid ${process.pid}, started .* by ${userInfo().username} in ${join(root, "alive-one")}`,
      ),
    );
    assert.doesNotMatch(run.output, /dead-one/);
  });

  test("counts a compose stack as running while the output folder its containers mount exists", async () => {
    const { root, env } = workspace();
    const compose = (name: string) => ({
      kind: "compose" as const,
      name,
      startedAt: new Date().toISOString(),
      demo: true,
      outDir: join(root, name, "build"),
      envFile: join(root, name, ".env"),
      workDir: join(root, name),
      composeFile: join(root, "docker-compose.yml"),
      grafanaUrl: "http://127.0.0.1:3000/",
    });
    mkdirSync(join(root, "kept", "build"), { recursive: true });
    recordStack(compose("kept"), env);
    recordStack(compose("deleted"), env);
    assert.deepEqual(
      liveStacks(env).map((stack) => stack.name),
      ["kept"],
    );
  });

  test("logs for an unknown or stopped stack exits 2 at once and names the stacks it knows", async () => {
    const { root, env } = workspace();
    recordStack(await nativeStack(root, "alive-one", { live: true }), env);
    recordStack(await nativeStack(root, "dead-one", { live: false }), env);
    const unknown = await runCli(["logs", "--stack", "nope"], { cwd: "/", env });
    assert.equal(unknown.code, 2, unknown.output);
    assert.match(unknown.stderr, /No stack is named nope/);
    assert.match(unknown.stderr, /alive-one: running native stack/);
    assert.match(unknown.stderr, /dead-one: stopped native stack/);
    const stopped = await runCli(["logs", "--stack", "dead-one"], { cwd: "/", env });
    assert.equal(stopped.code, 2, stopped.output);
    assert.match(stopped.stderr, /The native stack dead-one is not running/);
    assert.match(stopped.stderr, /alive-one: running native stack/);
    const asService = await runCli(["logs", "dead-one"], { cwd: "/", env });
    assert.equal(asService.code, 2, asService.output);
    assert.match(asService.stderr, /The native stack alive-one runs no dead-one/);
    assert.match(asService.stderr, /dead-one is a stack: vllm-monitor logs --stack dead-one/);
  });

  test("logs with no stack recorded exits 2 at once", async () => {
    const { env } = workspace();
    const run = await runCli(["logs"], { cwd: "/", env });
    assert.equal(run.code, 2, run.output);
    assert.match(run.stderr, /No stack is running/);
  });

  test("doctor from any folder checks the running stack with its own .env, not a demo", async () => {
    const { root, env } = workspace();
    const vllmPort = await findFreePort();
    recordStack(
      await nativeStack(root, "real", { live: true, envText: `VLLM_TARGET=127.0.0.1:${vllmPort}\nADMIN_PASSWORD=a-long-password\n` }),
      env,
    );
    const run = await runCli(["doctor", "--timeout", "2000"], { cwd: "/", env });
    assert.equal(run.code, 1, run.output);
    assert.match(run.stdout, /checking the native stack real \(started in .*real with .*\.env\)/);
    assert.match(run.stdout, new RegExp(`127\\.0\\.0\\.1:${vllmPort}`));
    assert.doesNotMatch(run.stdout, /demo mode/);
  });

  test("doctor with two running stacks lists them and exits 2, or checks the one --stack names", async () => {
    const { root, env } = workspace();
    const [first, second] = [await findFreePort(), await findFreePort()];
    recordStack(await nativeStack(root, "first", { live: true, envText: `VLLM_TARGET=127.0.0.1:${first}\n` }), env);
    recordStack(await nativeStack(root, "second", { live: true, envText: `VLLM_TARGET=127.0.0.1:${second}\n` }), env);
    const ask = await runCli(["doctor"], { cwd: "/", env });
    assert.equal(ask.code, 2, ask.output);
    assert.match(ask.stderr, /2 stacks are running; say which one doctor checks with --stack NAME/);
    assert.match(ask.stderr, /first: running native stack/);
    assert.match(ask.stderr, /second: running native stack/);
    const chosen = await runCli(["doctor", "--stack", "second", "--timeout", "2000"], { cwd: "/", env });
    assert.equal(chosen.code, 1, chosen.output);
    assert.match(chosen.stdout, new RegExp(`127\\.0\\.0\\.1:${second}`));
    assert.doesNotMatch(chosen.stdout, new RegExp(`127\\.0\\.0\\.1:${first}/`));
    // --target (like --env-file or --prometheus-url) already says what to check: no stack needs choosing.
    const other = await findFreePort();
    const explicit = await runCli(["doctor", "--target", `http://127.0.0.1:${other}/metrics`, "--timeout", "2000"], { cwd: "/", env });
    assert.doesNotMatch(explicit.stderr, /stacks are running/);
    assert.match(explicit.stdout, new RegExp(`127\\.0\\.0\\.1:${other}`));
  });
});
