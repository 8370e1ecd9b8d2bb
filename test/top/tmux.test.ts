/**
 * `vllm-monitor top` as a person sees it over SSH: in a tmux pane of its own tmux server, against
 * the demo stack, `capture-pane` shows the simulated instance with numbers that change between
 * two refreshes, and q quits.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { waitUntil } from "../../src/process/index.js";
import { createWorkspace, type Workspace } from "../e2e/harness.js";
import { cliCommand } from "../helpers/cli.js";

function tmuxAvailable(): boolean {
  try {
    execFileSync("tmux", ["-V"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

const skip = tmuxAvailable() ? false : "tmux is not installed";
const SOCKET = `vllm-monitor-test-${process.pid}`;
const tmux = (...args: string[]) => execFileSync("tmux", ["-L", SOCKET, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
const quote = (text: string) => `'${text.replace(/'/g, "'\\''")}'`;

describe("vllm-monitor top under tmux", { skip }, () => {
  let workspace: Workspace;
  before(async () => {
    workspace = await createWorkspace();
    const up = await workspace.cli(["up", "--native", "--detach"]);
    assert.equal(up.code, 0, up.output);
  });
  after(async () => {
    try {
      tmux("kill-server");
    } catch {
      // already gone: top quit and the session closed with it
    }
    await workspace?.cleanup();
  });

  test("shows each simulated instance with numbers that change between refreshes, and q quits", async () => {
    const { command, args } = cliCommand([
      "top",
      "--env-file",
      workspace.envFile,
      "--prometheus",
      workspace.prometheusUrl,
      "--interval",
      "1s",
    ]);
    // why: Ink draws only the last frame when CI is set (CI runs this suite with CI=true); a person's terminal has no CI.
    tmux("new-session", "-d", "-s", "top", "-x", "170", "-y", "20", ["env", "-u", "CI", command, ...args].map(quote).join(" "));
    const simulator = `127.0.0.1:${workspace.ports.simulator}`;
    const line = () =>
      tmux("capture-pane", "-p", "-t", "top")
        .split("\n")
        .find((text) => text.startsWith(simulator)) ?? "";
    let first = "";
    await waitUntil(
      () => {
        first = line();
        // every column has a number: running, waiting, KV, TTFT, ITL, tokens/s, errors/s, GPU, GPU memory
        return /\d+%\s+\S+s\s+\S+s\s+[\d.]+\s+[\d.]+\s+\d+%\s+[\d.]+%\s*$/.test(first);
      },
      { what: `a line for ${simulator} with every column filled`, timeoutMs: 90_000, intervalMs: 500 },
    ).catch(() => assert.fail(`pane:\n${tmux("capture-pane", "-p", "-t", "top")}`));
    let second = first;
    await waitUntil(
      () => {
        second = line();
        return second !== first && second !== "";
      },
      { what: "the numbers to change at a refresh", timeoutMs: 30_000, intervalMs: 500 },
    );
    assert.notEqual(second, first);
    assert.match(tmux("capture-pane", "-p", "-t", "top"), /^fleet \(1\)/m);
    tmux("send-keys", "-t", "top", "q");
    await waitUntil(
      () => {
        try {
          tmux("has-session", "-t", "top");
          return false;
        } catch {
          return true;
        }
      },
      { what: "top to quit on q", timeoutMs: 15_000, intervalMs: 200 },
    );
  });
});
