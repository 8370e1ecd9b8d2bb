import { test } from "node:test";
import assert from "node:assert/strict";
import { main } from "../src/cli/main.js";

test("prints help and exits 0 when asked for --help", async () => {
  assert.equal(await main(["node", "vllm-monitor", "--help"]), 0);
});
