import assert from "node:assert/strict";
import { request } from "node:http";
import { connect } from "node:net";
import { once } from "node:events";
import { after, describe, test } from "node:test";
import { waitUntil } from "../../src/process/index.js";
import { startSimulator } from "../../src/simulator/index.js";
import { MAX_BODY_BYTES } from "../../src/simulator/http/server.js";
import { startPrometheus } from "../helpers/prometheus.js";

interface Answer {
  readonly status: number;
  readonly body: string;
}

/**
 * POSTs a body and resolves with the answer, even when the server answers before the body is sent
 * (413): fetch would report a broken upload. A connection error before any answer, or no answer
 * within a minute, rejects: a lost answer must fail the test, not hang it.
 */
function post(url: string, body: Buffer, options: { chunked?: boolean } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { "content-type": "application/json" };
    if (options.chunked !== true) headers["content-length"] = body.length;
    let answered = false;
    const outgoing = request(url, { method: "POST", headers, timeout: 60_000 }, (response) => {
      answered = true;
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
      response.on("error", reject);
    });
    outgoing.on("timeout", () => outgoing.destroy(new Error(`no answer from ${url} within 60 s`)));
    outgoing.on("error", (error) => (answered ? undefined : reject(error)));
    for (let offset = 0; offset < body.length; offset += 1024 * 1024) outgoing.write(body.subarray(offset, offset + 1024 * 1024));
    outgoing.end();
  });
}

describe("simulator request limits", () => {
  test("huge prompts are refused like vLLM (400 for the context, 413 for the body) before any per-element work, and no scrape fails meanwhile", async () => {
    // The bodies are built first: building them is the client's work, not the server's.
    // 1.6 million token ids (13 MB): validated element by element, this took 14 s.
    const tokenIdsBody = Buffer.from(
      JSON.stringify({ prompt: Array.from({ length: 1_600_000 }, (_, index) => index % 50_000), max_tokens: 5 }),
    );
    // A batch of 400,000 short token lists fits the context one by one: answered at once, not after 11 s of validation.
    const batchBody = Buffer.from(
      JSON.stringify({ prompt: Array.from({ length: 400_000 }, () => [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), max_tokens: 5 }),
    );
    const chatBody = Buffer.from(JSON.stringify({ messages: [{ role: "user", content: "x".repeat(14_000_000) }] }));
    const oversized = Buffer.alloc(MAX_BODY_BYTES + 1024 * 1024, 0x20);
    const simulator = await startSimulator({ port: 0, load: "idle", seed: 1 });
    after(() => simulator.close());
    const url = simulator.urls[0] as string;
    const target = new URL(url).host;
    const prometheus = await startPrometheus({
      config: `global: {scrape_interval: 2s, scrape_timeout: 2s, evaluation_interval: 2s}\nscrape_configs: [{job_name: sim, static_configs: [{targets: ["${target}"]}]}]\n`,
    });
    after(() => prometheus.stop());
    await prometheus.waitForScrapes(2, { job: "sim" });

    const completions = `${url}/v1/completions`;
    const tokenIds = await post(completions, tokenIdsBody);
    assert.equal(tokenIds.status, 400);
    assert.match(
      tokenIds.body,
      /This model's maximum context length is \d+ tokens\. However, you requested 1600005 tokens \(1600000 in the messages, 5 in the completion\)/,
    );
    const batch = await post(completions, batchBody);
    assert.equal(batch.status, 200);
    const chat = await post(`${url}/v1/chat/completions`, chatBody);
    assert.equal(chat.status, 400);
    assert.match(chat.body, /maximum context length/);

    const declared = await post(completions, oversized);
    assert.equal(declared.status, 413);
    assert.match(declared.body, /"code":413/);
    const streamed = await post(completions, oversized, { chunked: true });
    assert.equal(streamed.status, 413);

    // Three more scrapes after the last request: with a 2 s timeout, a blocked event loop shows as up = 0.
    const scrapes = async () => (await prometheus.query('count_over_time(up{job="sim"}[1h])'))[0]?.value ?? 0;
    const seen = await scrapes();
    await waitUntil(async () => (await scrapes()) >= seen + 3, { what: "three more scrapes", timeoutMs: 60_000, intervalMs: 250 });
    assert.deepEqual(
      (await prometheus.query('min_over_time(up{job="sim"}[1h])')).map((sample) => sample.value),
      [1],
      "every scrape succeeded",
    );
  });

  test("after its 413 the server keeps reading an upload still under way, so the client is not reset and gets the answer", async () => {
    const simulator = await startSimulator({ port: 0, load: "idle", seed: 1 });
    after(() => simulator.close());
    const { hostname, port } = new URL(simulator.urls[0] as string);
    const socket = connect(Number(port), hostname);
    after(() => socket.destroy());
    await once(socket, "connect");
    let received = "";
    socket.on("data", (chunk: Buffer) => (received += chunk.toString("utf8")));
    const errors: Error[] = [];
    socket.on("error", (error) => errors.push(error));
    const declared = MAX_BODY_BYTES + 4 * 1024 * 1024;
    socket.write(
      `POST /v1/completions HTTP/1.1\r\nhost: ${hostname}\r\ncontent-type: application/json\r\ncontent-length: ${declared}\r\n\r\n`,
    );
    await waitUntil(async () => received.includes("\r\n\r\n"), { what: "the 413 answer", timeoutMs: 10_000, intervalMs: 20 });
    assert.match(received, /^HTTP\/1\.1 413 /);
    // The upload goes on after the answer, as a client that writes before it reads does.
    const chunk = Buffer.alloc(1024 * 1024, 0x20);
    let sent = 0;
    for (; sent < declared; sent += chunk.length) {
      if (socket.destroyed) break;
      // why: a reset connection never drains; it closes (and says why in 'error').
      if (!socket.write(chunk.subarray(0, Math.min(chunk.length, declared - sent)))) {
        await new Promise((resolve) => {
          socket.once("drain", resolve);
          socket.once("close", resolve);
        });
      }
    }
    socket.end();
    if (!socket.closed) await new Promise((resolve) => socket.once("close", resolve));
    assert.deepEqual(
      errors.map((error) => error.message),
      [],
      "the connection closed without a reset",
    );
    assert.ok(sent >= declared, `the server kept reading the upload: ${sent} of ${declared} bytes went out before it closed`);
  });
});
