import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import OpenAI, { AuthenticationError, NotFoundError } from "openai";
import { parseExposition } from "../../src/exposition/index.js";
import { vllm } from "../../src/catalog/index.js";
import { startSimulator, type RunningSimulator } from "../../src/simulator/index.js";
import { waitUntil } from "../../src/process/index.js";

const TOKEN = "test-token-123";
const MODEL = "sim/model-a";

describe("the official openai client against the simulator", () => {
  let simulator: RunningSimulator;
  let client: OpenAI;

  before(async () => {
    simulator = await startSimulator({ model: MODEL, load: "idle", seed: 7, token: TOKEN });
    client = new OpenAI({ baseURL: `${simulator.urls[0]}/v1`, apiKey: TOKEN, maxRetries: 0 });
  });
  after(() => simulator.close());

  async function metricValue(name: string, labels: Record<string, string> = {}): Promise<number> {
    const response = await fetch(`${simulator.urls[0]}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    const document = parseExposition(await response.text());
    const samples = document.families.flatMap((family) => family.samples).filter((sample) => sample.name === name);
    return samples
      .filter((sample) => Object.entries(labels).every(([key, value]) => sample.labels[key] === value))
      .reduce((sum, sample) => sum + sample.value, 0);
  }

  test("lists the served model", async () => {
    const models = await client.models.list();
    assert.deepEqual(
      models.data.map((model) => model.id),
      [MODEL],
    );
  });

  test("answers a completion with max_tokens tokens and finish reason length", async () => {
    const completion = await client.completions.create({ model: MODEL, prompt: "Say something about monitoring.", max_tokens: 7 });
    assert.equal(completion.object, "text_completion");
    assert.equal(completion.choices[0]?.finish_reason, "length");
    assert.equal(completion.usage?.completion_tokens, 7);
    assert.equal(completion.choices[0]?.text.trim().split(/\s+/).length, 7);
  });

  test("answers a chat completion with an assistant message and usage", async () => {
    const chat = await client.chat.completions.create({ model: MODEL, messages: [{ role: "user", content: "Hello!" }], max_tokens: 4 });
    assert.equal(chat.choices[0]?.message.role, "assistant");
    assert.ok((chat.choices[0]?.message.content ?? "").length > 0);
    assert.equal(chat.usage?.completion_tokens, 4);
    assert.ok((chat.usage?.prompt_tokens ?? 0) > 0);
  });

  test("streams a chat completion whose chunks add up to the usage it reports last", async () => {
    const stream = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: "user", content: "Stream please" }],
      max_tokens: 12,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let contentChunks = 0;
    let finishReason: string | null = null;
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      const choice = chunk.choices[0];
      if (choice?.delta.content) {
        text += choice.delta.content;
        contentChunks += 1;
      }
      if (choice?.finish_reason) finishReason = choice.finish_reason;
      if (chunk.usage) usage = chunk.usage;
    }
    assert.equal(contentChunks, 12);
    assert.equal(text.trim().split(/\s+/).length, 12);
    assert.equal(finishReason, "length");
    assert.equal(usage?.completion_tokens, 12);
  });

  test("streams a completion and omits usage unless include_usage is set", async () => {
    const stream = await client.completions.create({ model: MODEL, prompt: "abc", max_tokens: 3, stream: true });
    let pieces = 0;
    let sawUsage = false;
    for await (const chunk of stream) {
      if (chunk.choices[0]?.text) pieces += 1;
      if (chunk.usage) sawUsage = true;
    }
    assert.equal(pieces, 3);
    assert.equal(sawUsage, false);
  });

  test("rejects a wrong API key with 401 on /v1 and on /metrics", async () => {
    const intruder = new OpenAI({ baseURL: `${simulator.urls[0]}/v1`, apiKey: "wrong", maxRetries: 0 });
    await assert.rejects(intruder.models.list(), AuthenticationError);
    const metrics = await fetch(`${simulator.urls[0]}/metrics`);
    assert.equal(metrics.status, 401);
    const health = await fetch(`${simulator.urls[0]}/health`);
    assert.equal(health.status, 200);
  });

  test("answers an unknown model with 404 NotFoundError", async () => {
    await assert.rejects(client.completions.create({ model: "no-such-model", prompt: "x", max_tokens: 1 }), NotFoundError);
  });

  test("answers malformed JSON with 400 and an OpenAI-style error body", async () => {
    const response = await fetch(`${simulator.urls[0]}/v1/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      body: "{not json",
    });
    assert.equal(response.status, 400);
    const body = (await response.json()) as { error: { type: string; code: number; message: string } };
    assert.equal(body.error.type, "BadRequestError");
    assert.equal(body.error.code, 400);
  });

  test("counts a client that disconnects mid-stream as finished_reason abort", async () => {
    const before = await metricValue(vllm.requestSuccess.name, { finished_reason: "abort" });
    const controller = new AbortController();
    const response = await fetch(`${simulator.urls[0]}/v1/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ model: MODEL, prompt: "long answer", max_tokens: 2000, ignore_eos: true, stream: true }),
      signal: controller.signal,
    });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    controller.abort();
    await waitUntil(async () => (await metricValue(vllm.requestSuccess.name, { finished_reason: "abort" })) === before + 1, {
      what: "the aborted request to be counted",
      timeoutMs: 10_000,
    });
    assert.equal(await metricValue(vllm.numRequestsRunning.name), 0);
  });
});
