import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { request } from "node:https";
import { test } from "node:test";
import { startProcess, waitUntil } from "../../src/process/index.js";
import { cliCommand } from "../helpers/cli.js";

/** GET over https trusting `ca`; resolves with the status code. */
function httpsStatus(url: string, ca: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, headers }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", reject);
    req.end();
  });
}

test("vllm-monitor simulate prints its URLs, serves them with the token from SIMULATOR_TOKEN, and stops on SIGTERM", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "sim-cli-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const caFile = join(dir, "ca.pem");
  const child = startProcess({
    name: "simulate",
    ...cliCommand(["simulate", "--port", "0", "--instances", "2", "--tls", "--write-ca", caFile, "--load", "idle"]),
    env: { ...process.env, SIMULATOR_TOKEN: "env-token-789" },
  });
  t.after(() => child.stop());
  let urls: string[] = [];
  await waitUntil(
    () => {
      urls = child.recentOutput().flatMap((line) => /^\s+(https:\/\/\S+)\/v1\b/.exec(line)?.[1] ?? []);
      return urls.length === 2;
    },
    { what: "the simulator to print two URLs", timeoutMs: 20_000 },
  );
  const output = child.recentOutput().join("\n");
  assert.doesNotMatch(output, /env-token-789/, "the token must not be printed");
  assert.match(output, /SIMULATOR_TOKEN/);
  const ca = await readFile(caFile, "utf8");
  assert.match(ca, /BEGIN CERTIFICATE/);
  assert.equal(await httpsStatus(`${urls[1]}/metrics`, ca, { authorization: "Bearer env-token-789" }), 200);
  assert.equal(await httpsStatus(`${urls[1]}/metrics`, ca), 401);
  const info = await child.stop();
  assert.equal(info.code, 0);
  assert.ok(child.recentOutput().some((line) => line.includes("simulator stopped")));
});

test("vllm-monitor simulate reports every bad option at once and exits 2", async () => {
  const child = startProcess({
    name: "simulate",
    ...cliCommand(["simulate", "--engines", "0", "--load", "crazy", "--port", "x", "--gpu-format", "smi"]),
  });
  const info = await child.exited;
  assert.equal(info.code, 2);
  const output = child.recentOutput().join("\n");
  assert.match(output, /--engines must be/);
  assert.match(output, /--load must be one of/);
  assert.match(output, /--port must be a whole number/);
  assert.match(output, /--gpu-format must be one of dcgm, nvidia-smi/);
  assert.match(output, /--gpu-format, --gpu-hostname-label and --gpu-fields need --gpu-port/);
});
