import assert from "node:assert/strict";
import { readFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { vllm } from "../../src/catalog/index.js";
import { parseExposition } from "../../src/exposition/index.js";
import { waitUntil } from "../../src/process/index.js";
import { startSimulator, type RunningSimulator, type TruthRecord } from "../../src/simulator/index.js";

/** Sums the samples of `name` (optionally matching `labels`) on a /metrics page. */
async function scrape(url: string): Promise<(name: string, labels?: Record<string, string>) => number> {
  const document = parseExposition(await (await fetch(`${url}/metrics`)).text());
  const samples = document.families.flatMap((family) => family.samples);
  return (name, labels = {}) =>
    samples
      .filter((sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value))
      .reduce((sum, sample) => sum + sample.value, 0);
}

describe("--load overload on a small KV cache", () => {
  let simulator: RunningSimulator;
  before(async () => {
    simulator = await startSimulator({ load: "overload", kvBlocks: 512, maxModelLen: 4096, seed: 5 });
  });
  after(() => simulator.close());

  test("fills the KV cache, builds a queue and preempts requests", async () => {
    let seen = { waiting: 0, preemptions: 0, usage: 0 };
    await waitUntil(
      async () => {
        const value = await scrape(simulator.urls[0] as string);
        seen = {
          waiting: Math.max(seen.waiting, value(vllm.numRequestsWaiting.name)),
          preemptions: value(vllm.numPreemptions.name),
          usage: Math.max(seen.usage, value(vllm.kvCacheUsagePerc.name)),
        };
        return seen.waiting > 5 && seen.preemptions > 0 && seen.usage > 0.9;
      },
      { what: "queue, preemptions and a full KV cache", timeoutMs: 25_000, intervalMs: 500 },
    );
    assert.ok(seen.usage <= 1);
  });
});

describe("--load steady", () => {
  let simulator: RunningSimulator;
  before(async () => {
    simulator = await startSimulator({ load: "steady", engines: 2, seed: 9 });
  });
  after(() => simulator.close());

  test("moves latency histograms, prefix-cache hits and finish reasons within seconds", async () => {
    await waitUntil(
      async () => {
        const value = await scrape(simulator.urls[0] as string);
        return (
          value(`${vllm.timeToFirstToken.name}_count`) > 0 &&
          value(`${vllm.e2eRequestLatency.name}_count`) > 0 &&
          value(`${vllm.requestQueueTime.name}_count`) > 0 &&
          value(`${vllm.interTokenLatency.name}_count`) > 0 &&
          value(vllm.prefixCacheHits.name) > 0 &&
          value(vllm.requestSuccess.name, { finished_reason: "stop" }) > 0 &&
          value(vllm.requestSuccess.name, { finished_reason: "length" }) > 0 &&
          value(vllm.requestSuccess.name, { finished_reason: "abort" }) > 0
        );
      },
      { what: "TTFT/ITL/E2E/queue observations, prefix hits and stop/length/abort finishes", timeoutMs: 30_000, intervalMs: 500 },
    );
  });
});

describe("--truth-file", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "sim-truth-"));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test("records every API request with the same TTFT and token counts the metrics saw", async () => {
    const file = join(dir, "truth.jsonl");
    const simulator = await startSimulator({ load: "idle", seed: 1, truthFile: file });
    const url = simulator.urls[0] as string;
    await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        fetch(`${url}/v1/completions`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ prompt: `request number ${index} `.repeat(20), max_tokens: 8, ignore_eos: true }),
        }).then((response) => response.json()),
      ),
    );
    const value = await scrape(url);
    await simulator.close();
    const records = (await readFile(file, "utf8"))
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as TruthRecord);
    assert.equal(records.length, 20);
    assert.equal(value(`${vllm.timeToFirstToken.name}_count`), 20);
    const ttftSum = records.reduce((sum, record) => sum + (record.ttft ?? 0), 0);
    assert.ok(
      Math.abs(ttftSum - value(`${vllm.timeToFirstToken.name}_sum`)) < 1e-3,
      `truth ${ttftSum} vs metrics ${value(`${vllm.timeToFirstToken.name}_sum`)}`,
    );
    assert.equal(
      records.reduce((sum, record) => sum + record.generation_tokens, 0),
      value(vllm.generationTokens.name),
    );
    for (const record of records) {
      assert.equal(record.itl.length, 7);
      assert.equal(record.finish_reason, "length");
      assert.ok(record.e2e >= (record.ttft ?? 0));
    }
  });

  test("replays the same built-in requests for the same --seed", async () => {
    const run = async (name: string) => {
      const file = join(dir, name);
      const simulator = await startSimulator({ load: "burst", seed: 42, truthFile: file });
      await waitUntil(async () => (await readFile(file, "utf8")).split("\n").length > 15, {
        what: `15 finished requests in ${name}`,
        timeoutMs: 20_000,
      });
      await simulator.close();
      return (await readFile(file, "utf8"))
        .trim()
        .split("\n")
        .slice(0, 15)
        .map((line) => {
          const { arrival: _arrival, ...rest } = JSON.parse(line) as TruthRecord;
          void _arrival;
          return rest;
        });
    };
    const [first, second] = await Promise.all([run("a.jsonl"), run("b.jsonl")]);
    assert.deepEqual(first, second);
  });
});
