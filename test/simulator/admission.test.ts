import assert from "node:assert/strict";
import { test } from "node:test";
import { vllm } from "../../src/catalog/index.js";
import { parseExposition } from "../../src/exposition/index.js";
import { startSimulator } from "../../src/simulator/index.js";

/** `reason` → value of vllm:admission_rejections_total on one scrape. */
async function rejections(url: string): Promise<Record<string, number>> {
  const document = parseExposition(await (await fetch(`${url}/metrics`)).text());
  const samples = document.families.flatMap((family) => family.samples.filter((sample) => sample.name === vllm.admissionRejections.name));
  return Object.fromEntries(samples.map((sample) => [sample.labels.reason ?? "", sample.value]));
}

function complete(url: string, body: Record<string, unknown>, signal?: AbortSignal): Promise<Response> {
  return fetch(`${url}/v1/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ prompt: "hello there", ...body }),
    ...(signal ? { signal } : {}),
  });
}

/**
 * A long streamed request that has produced its first token: it runs, past its prefill. Returns
 * the function that ends it (the client goes away, the server aborts it).
 */
async function decodingRequest(url: string, n = 1): Promise<() => Promise<void>> {
  const controller = new AbortController();
  const response = await complete(url, { max_tokens: 1000, ignore_eos: true, stream: true, n }, controller.signal);
  assert.equal(response.status, 200);
  const reader = response.body!.getReader();
  const first = await reader.read();
  assert.ok(!first.done && first.value.length > 0, "no first token");
  return async () => {
    controller.abort();
    await reader.cancel().catch(() => {});
  };
}

test("--max-num-queued-reqs counts running requests too, as vLLM does: with one request decoding and a cap of 1, the next gets 503", async (t) => {
  const simulator = await startSimulator({ metricsVersion: "0.32", load: "idle", maxNumQueuedReqs: 1 });
  t.after(() => simulator.close());
  const url = simulator.urls[0]!;
  const stop = await decodingRequest(url);
  t.after(stop);
  const refused = await complete(url, { max_tokens: 4 });
  assert.equal(refused.status, 503);
  assert.match(((await refused.json()) as { error: { message: string } }).error.message, /--max-num-queued-reqs/);
  assert.deepEqual(await rejections(url), { max_num_queued_reqs: 1, max_num_queued_tokens: 0 });
});

test("a request with n > 1 takes n places under --max-num-queued-reqs, as vLLM's n child requests do", async (t) => {
  const simulator = await startSimulator({ metricsVersion: "0.32", load: "idle", maxNumQueuedReqs: 3 });
  t.after(() => simulator.close());
  const url = simulator.urls[0]!;
  const stop = await decodingRequest(url);
  t.after(stop);
  assert.equal((await complete(url, { max_tokens: 4, n: 3 })).status, 503, "1 in flight + 3 children is over a cap of 3");
  const served = await complete(url, { max_tokens: 4, n: 2 });
  assert.equal(served.status, 200, "1 in flight + 2 children fits a cap of 3");
  const body = (await served.json()) as { choices: { index: number }[]; usage: { completion_tokens: number } };
  assert.deepEqual(
    body.choices.map((choice) => choice.index),
    [0, 1],
  );
  assert.equal(body.usage.completion_tokens, 8);
  assert.deepEqual(await rejections(url), { max_num_queued_reqs: 1, max_num_queued_tokens: 0 });
});

test("the n children of a running request count as in flight: with n=2 decoding and a cap of 2, the next request gets 503", async (t) => {
  const simulator = await startSimulator({ metricsVersion: "0.32", load: "idle", maxNumQueuedReqs: 2 });
  t.after(() => simulator.close());
  const url = simulator.urls[0]!;
  const stop = await decodingRequest(url, 2);
  t.after(stop);
  assert.equal((await complete(url, { max_tokens: 4 })).status, 503);
  assert.deepEqual(await rejections(url), { max_num_queued_reqs: 1, max_num_queued_tokens: 0 });
});

test("--max-num-queued-tokens refuses with reason max_num_queued_tokens while prompts wait for prefill, and checks the request cap first", async (t) => {
  const simulator = await startSimulator({ metricsVersion: "0.32", load: "idle", maxNumQueuedTokens: 0 });
  t.after(() => simulator.close());
  const url = simulator.urls[0]!;
  const refused = await complete(url, { max_tokens: 4 });
  assert.equal(refused.status, 503);
  assert.match(((await refused.json()) as { error: { message: string } }).error.message, /--max-num-queued-tokens/);
  assert.deepEqual(await rejections(url), { max_num_queued_reqs: 0, max_num_queued_tokens: 1 });

  const both = await startSimulator({ metricsVersion: "0.32", load: "idle", maxNumQueuedReqs: 0, maxNumQueuedTokens: 0 });
  t.after(() => both.close());
  assert.equal((await complete(both.urls[0]!, { max_tokens: 4 })).status, 503);
  assert.deepEqual(await rejections(both.urls[0]!), { max_num_queued_reqs: 1, max_num_queued_tokens: 0 });
});

test("--max-num-queued-tokens leaves out requests past their prefill: with one request decoding and a cap of 1 token, the next is served", async (t) => {
  const simulator = await startSimulator({ metricsVersion: "0.32", load: "idle", maxNumQueuedTokens: 1 });
  t.after(() => simulator.close());
  const url = simulator.urls[0]!;
  const stop = await decodingRequest(url);
  t.after(stop);
  const served = await complete(url, { max_tokens: 4 });
  assert.equal(served.status, 200);
  await served.arrayBuffer();
  assert.deepEqual(await rejections(url), { max_num_queued_reqs: 0, max_num_queued_tokens: 0 });
});

test("rejects a --max-num-queued-tokens below 0 with the flag named", async () => {
  await assert.rejects(async () => {
    const simulator = await startSimulator({ load: "idle", maxNumQueuedTokens: -1 });
    await simulator.close();
  }, /--max-num-queued-tokens/);
});
