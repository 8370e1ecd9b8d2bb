import assert from "node:assert/strict";
import { test } from "node:test";
import { httpServer, vllm, vllmKvResidency, vllmNixl, vllmOffload } from "../../src/catalog/index.js";
import { parseExposition } from "../../src/exposition/index.js";
import { waitUntil } from "../../src/process/index.js";
import { startSimulator } from "../../src/simulator/index.js";

interface Sample {
  readonly labels: Record<string, string>;
  readonly value: number;
}

/** One scrape, read as often as needed. */
async function scrape(url: string): Promise<(name: string) => Sample[]> {
  const document = parseExposition(await (await fetch(`${url}/metrics`)).text());
  return (name) =>
    document.families.flatMap((family) =>
      family.samples.filter((sample) => sample.name === name).map((sample) => ({ labels: { ...sample.labels }, value: sample.value })),
    );
}

const total = (list: readonly Sample[]) => list.reduce((sum, sample) => sum + sample.value, 0);

async function finishedAtLeast(url: string, count: number): Promise<void> {
  await waitUntil(async () => total((await scrape(url))(vllm.requestSuccess.name)) >= count, {
    what: `${count} finished requests`,
    timeoutMs: 30_000,
    intervalMs: 250,
  });
}

test("on 0.32 the MFU counters stay at 0 while tokens flow, as vLLM without --enable-mfu-metrics, and count with it", async (t) => {
  const off = await startSimulator({ metricsVersion: "0.32", load: "burst", seed: 3 });
  const on = await startSimulator({ metricsVersion: "0.32", load: "burst", seed: 3, enableMfuMetrics: true });
  t.after(async () => Promise.all([off.close(), on.close()]));
  await Promise.all([finishedAtLeast(off.urls[0]!, 5), finishedAtLeast(on.urls[0]!, 5)]);
  const [withoutFlag, withFlag] = await Promise.all([scrape(off.urls[0]!), scrape(on.urls[0]!)]);
  assert.ok(total(withoutFlag(vllm.generationTokens.name)) > 0, "tokens flow");
  for (const family of [vllm.estimatedFlopsPerGpu, vllm.estimatedReadBytesPerGpu, vllm.estimatedWriteBytesPerGpu]) {
    assert.equal(withoutFlag(family.name).length, 1, `${family.name} is registered`);
    assert.equal(total(withoutFlag(family.name)), 0, `${family.name} without the flag`);
    assert.ok(total(withFlag(family.name)) > 0, `${family.name} with the flag`);
  }
});

test("observes request_num_preemptions once per finished request on 0.32, with buckets 1, 2, 3, 4, 5, 10, 20, and not on the 2026-08 line", async (t) => {
  // why: a short queue (the rest is refused with 503) keeps the drain below to the requests already admitted.
  const newest = await startSimulator({
    metricsVersion: "0.32",
    load: "overload",
    seed: 5,
    kvBlocks: 600,
    maxModelLen: 4096,
    maxNumQueuedReqs: 4,
  });
  const current = await startSimulator({ metricsVersion: "current", load: "idle", seed: 5 });
  t.after(async () => Promise.all([newest.close(), current.close()]));
  await waitUntil(async () => total((await scrape(newest.urls[0]!))(vllm.numPreemptions.name)) > 0, {
    what: "a preemption",
    timeoutMs: 30_000,
    intervalMs: 250,
  });
  // why: a preempted request still running is counted in num_preemptions but not yet observed; drained, both hold the same requests.
  await newest.drain(60_000);
  const page = await scrape(newest.urls[0]!);
  const buckets = page(`${vllm.requestNumPreemptions.name}_bucket`);
  assert.deepEqual(
    buckets.map((sample) => sample.labels.le),
    ["1.0", "2.0", "3.0", "4.0", "5.0", "10.0", "20.0", "+Inf"],
  );
  const finished = total(page(vllm.requestSuccess.name));
  assert.ok(finished > 0);
  assert.equal(total(page(`${vllm.requestNumPreemptions.name}_count`)), finished, "one observation per finished request");
  assert.equal(total(page(`${vllm.requestNumPreemptions.name}_sum`)), total(page(vllm.numPreemptions.name)), "the sum is every preemption");
  assert.equal((await scrape(current.urls[0]!))(`${vllm.requestNumPreemptions.name}_count`).length, 0);
});

test("refuses a request with 503 at --max-num-queued-reqs, counting it by reason without an engine label and as a 5xx", async (t) => {
  const simulator = await startSimulator({ metricsVersion: "0.32", load: "idle", engines: 2, maxNumQueuedReqs: 0 });
  t.after(() => simulator.close());
  const url = simulator.urls[0]!;
  const response = await fetch(`${url}/v1/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ prompt: "hello", max_tokens: 4 }),
  });
  assert.equal(response.status, 503);
  const page = await scrape(url);
  assert.deepEqual(
    page(vllm.admissionRejections.name).map((sample) => [sample.labels, sample.value]),
    [
      [{ reason: "max_num_queued_reqs" }, 1],
      [{ reason: "max_num_queued_tokens" }, 0],
    ],
  );
  assert.equal(total(page(httpServer.requests.name).filter((sample) => sample.labels.status === "5xx")), 1);
});

test("reports sleep level 1 and 2 on every engine after POST /sleep, and awake again after POST /wake_up", async (t) => {
  const simulator = await startSimulator({ metricsVersion: "0.32", load: "idle", engines: 2 });
  t.after(() => simulator.close());
  const url = simulator.urls[0]!;
  const states = async () =>
    Object.fromEntries(
      (await scrape(url))(vllm.engineSleepState.name).map((sample) => [
        `${sample.labels.engine} ${sample.labels.sleep_state}`,
        sample.value,
      ]),
    );
  for (const [level, state] of [
    ["1", "weights_offloaded"],
    ["2", "discard_all"],
  ] as const) {
    assert.equal((await fetch(`${url}/sleep?level=${level}`, { method: "POST" })).status, 200);
    assert.deepEqual(await (await fetch(`${url}/is_sleeping`)).json(), { is_sleeping: true });
    const now = await states();
    for (const engine of ["0", "1"]) {
      assert.equal(now[`${engine} awake`], 0);
      assert.equal(now[`${engine} ${state}`], 1);
    }
  }
  await fetch(`${url}/wake_up`, { method: "POST" });
  const awake = await states();
  assert.equal(awake["0 awake"], 1);
  assert.equal(awake["1 discard_all"], 0);
});

test("writes KV block residency with --kv-cache-metrics and NIXL plus offload transfers with --kv-connector multi, moving the external and multimodal caches", async (t) => {
  const simulator = await startSimulator({
    metricsVersion: "0.32",
    load: "burst",
    seed: 3,
    kvCacheMetrics: true,
    kvConnector: "multi",
    multimodal: true,
  });
  const plain = await startSimulator({ metricsVersion: "0.32", load: "idle" });
  t.after(async () => Promise.all([simulator.close(), plain.close()]));
  await finishedAtLeast(simulator.urls[0]!, 20);
  const page = await scrape(simulator.urls[0]!);
  assert.ok(total(page(`${vllmKvResidency.kvBlockLifetime.name}_count`)) > 0);
  assert.ok(total(page(`${vllmNixl.bytesTransferred.name}_sum`)) > 0);
  assert.ok(total(page(vllmOffload.storeBytes.name)) > 0);
  assert.ok(total(page(vllmOffload.storeTime.name)) > 0, "seconds counters keep their fraction");
  const externalHits = total(page(vllm.externalPrefixCacheHits.name));
  assert.ok(externalHits > 0);
  const bySource = page(vllm.promptTokensBySource.name);
  assert.equal(
    total(bySource.filter((sample) => sample.labels.source === "external_kv_transfer")),
    externalHits,
    "received tokens are the external hits",
  );
  assert.ok(total(page(vllm.mmCacheQueries.name)) > 0 && total(page(vllm.mmCacheHits.name)) > 0);
  const names = new Set((await (await fetch(`${plain.urls[0]}/metrics`)).text()).split("\n").map((line) => line.split(/[{ ]/)[0]));
  for (const family of [vllmKvResidency.kvBlockLifetime, vllmNixl.xferTime, vllmOffload.loadBytes])
    assert.ok(![...names].some((name) => name?.startsWith(family.name)), `${family.name} needs its flag`);
});
