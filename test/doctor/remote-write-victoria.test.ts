import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { checkRemoteWrite } from "../../src/doctor/remote-write.js";
import { startVictoriaMetrics, type RunningVictoriaMetrics } from "../helpers/victoria-metrics.js";

describe("doctor's remote-write check against a real VictoriaMetrics", () => {
  let store: RunningVictoriaMetrics;
  before(async () => {
    store = await startVictoriaMetrics();
  });
  after(async () => store.remove());

  test("accepts VictoriaMetrics' own write path", async () => {
    const result = await checkRemoteWrite({ url: store.writeUrl, timeoutMs: 5_000 });
    assert.equal(result.status, "ok", result.message);
  });

  test("fails on Mimir's /api/v1/push, which VictoriaMetrics answers with 400 unsupported path, and names /api/v1/write", async () => {
    const result = await checkRemoteWrite({ url: `${store.url}/api/v1/push`, timeoutMs: 5_000 });
    assert.equal(result.status, "problem", result.message);
    assert.match(result.message, /answers HTTP 400: no remote-write receiver at that path \(it said: .*unsupported path/);
    assert.equal(
      result.fix,
      `this is VictoriaMetrics, which takes remote write at /api/v1/write: set REMOTE_WRITE_URL=${store.url}/api/v1/write`,
    );
  });
});
