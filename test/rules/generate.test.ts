import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../../src/cli/main.js";
import { generatedArtifacts, staleArtifacts } from "../../src/cli/commands/generate.js";

async function captureStderr<T>(run: () => Promise<T>): Promise<{ result: T; stderr: string }> {
  const original = process.stderr.write.bind(process.stderr);
  let stderr = "";
  process.stderr.write = ((chunk: string | Uint8Array) => {
    stderr += chunk.toString();
    return true;
  }) as typeof process.stderr.write;
  try {
    return { result: await run(), stderr };
  } finally {
    process.stderr.write = original;
  }
}

async function runCli(args: string[]): Promise<{ code: number; stderr: string }> {
  process.exitCode = undefined;
  const { result, stderr } = await captureStderr(() => main(["node", "vllm-monitor", ...args]));
  process.exitCode = undefined;
  return { code: result, stderr };
}

describe("vllm-monitor generate", () => {
  let dir = "";
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "generate-"));
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test("--check exits 1 and lists every missing file in an empty folder", async () => {
    const { code, stderr } = await runCli(["generate", "--check", "--dir", dir]);
    assert.equal(code, 1);
    for (const artifact of generatedArtifacts()) assert.ok(stderr.includes(artifact.path), `${artifact.path} not listed`);
  });

  test("writes the dashboards, rules and runbooks, after which --check passes", async () => {
    assert.equal((await runCli(["generate", "--dir", dir])).code, 0);
    assert.equal((await runCli(["generate", "--check", "--dir", dir])).code, 0);
    const dashboard = JSON.parse(await readFile(join(dir, "dashboards", "vllm-user-overview.json"), "utf8")) as { uid: string };
    assert.equal(dashboard.uid, "vllm-user-overview");
    assert.match(await readFile(join(dir, "docs", "runbooks.md"), "utf8"), /## VllmEngineNotServing/);
  });

  test("--check names a file edited by hand", async () => {
    await writeFile(join(dir, "rules", "vllm-alerts.yml"), "groups: []\n");
    const { code, stderr } = await runCli(["generate", "--check", "--dir", dir]);
    assert.equal(code, 1);
    assert.match(stderr, /rules\/vllm-alerts\.yml/);
    assert.doesNotMatch(stderr, /vllm-recording\.yml/);
  });

  test("the committed dashboards, rules and runbooks are up to date", async () => {
    assert.deepEqual(await staleArtifacts("."), []);
  });

  test("every runbook_url of the alerts points at a section of docs/runbooks.md", async () => {
    const runbooks = generatedArtifacts().find((artifact) => artifact.path === join("docs", "runbooks.md"))?.content ?? "";
    const alerts = generatedArtifacts().find((artifact) => artifact.path === join("rules", "vllm-alerts.yml"))?.content ?? "";
    const anchors = [...alerts.matchAll(/runbook_url: docs\/runbooks\.md#(\S+)/g)].map((match) => match[1]);
    assert.equal(anchors.length, 11);
    const headings = new Set([...runbooks.matchAll(/^## (\S+)$/gm)].map((match) => match[1]!.toLowerCase()));
    for (const anchor of anchors) assert.ok(headings.has(anchor), anchor);
  });
});
