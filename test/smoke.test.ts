import { test } from "node:test";
import assert from "node:assert/strict";
import { main } from "../src/cli/main.js";

test("prints help and exits 0 when asked for --help", async () => {
  assert.equal(await main(["node", "vllm-monitor", "--help"]), 0);
});

test("takes --env PATH as --env-file PATH, so npx on Node 20 can pass an env file", async () => {
  const { mkdtempSync, writeFileSync, existsSync, rmSync } = await import("node:fs");
  const { join } = await import("node:path");
  const { tmpdir } = await import("node:os");
  const dir = mkdtempSync(join(tmpdir(), "vllm-monitor-alias-"));
  try {
    writeFileSync(join(dir, "custom.env"), "SCRAPE_INTERVAL=bogus\n");
    // A bad value in the named file proves that file was read: exit 2 and nothing written.
    assert.equal(
      await main(["node", "vllm-monitor", "conf", "prometheus", "--env", join(dir, "custom.env"), "--out", join(dir, "out")]),
      2,
    );
    assert.equal(existsSync(join(dir, "out")), false);
    writeFileSync(join(dir, "good.env"), "SCRAPE_INTERVAL=7s\n");
    assert.equal(
      await main(["node", "vllm-monitor", "conf", "prometheus", `--env=${join(dir, "good.env")}`, "--out", join(dir, "out")]),
      0,
    );
    assert.equal(existsSync(join(dir, "out", "prometheus", "prometheus.yml")), true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
