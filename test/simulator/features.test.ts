import assert from "node:assert/strict";
import { test } from "node:test";
import { dcgm, httpServer, metricsVersionSpec, nvidiaSmi, vllm, vllmFeatures, type MetricsVersion } from "../../src/catalog/index.js";
import { isUserError } from "../../src/errors.js";
import { parseExposition } from "../../src/exposition/index.js";
import { waitUntil } from "../../src/process/index.js";
import { FAULTS_PATH, resolveOptions, startSimulator } from "../../src/simulator/index.js";

interface Sample {
  readonly labels: Record<string, string>;
  readonly value: number;
}

/** One scrape, read as often as needed: counters that grow between two scrapes cannot be compared. */
async function scrape(url: string): Promise<(name: string) => Sample[]> {
  const document = parseExposition(await (await fetch(`${url}/metrics`)).text());
  return (name) =>
    document.families.flatMap((family) =>
      family.samples.filter((sample) => sample.name === name).map((sample) => ({ labels: { ...sample.labels }, value: sample.value })),
    );
}

async function samples(url: string, name: string): Promise<Sample[]> {
  return (await scrape(url))(name);
}

const total = (list: readonly Sample[]) => list.reduce((sum, sample) => sum + sample.value, 0);

for (const version of ["current", "0.10"] as const) {
  test(`--speculative 3 on ${version} counts drafts, 3 draft tokens each, fewer accepted, and acceptance falling with the draft position`, async (t) => {
    const simulator = await startSimulator({ metricsVersion: version, speculativeTokens: 3, engines: 2, load: "burst", seed: 3 });
    t.after(() => simulator.close());
    const url = simulator.urls[0]!;
    await waitUntil(async () => total(await samples(url, vllmFeatures.specDecodeNumDrafts.name)) > 200, {
      what: "speculative drafts",
      timeoutMs: 20_000,
      intervalMs: 250,
    });
    const page = await scrape(url);
    const drafts = total(page(vllmFeatures.specDecodeNumDrafts.name));
    const draftTokens = total(page(vllmFeatures.specDecodeNumDraftTokens.name));
    const accepted = total(page(vllmFeatures.specDecodeNumAcceptedTokens.name));
    assert.ok(Math.abs(draftTokens - 3 * drafts) <= 6, `draft tokens ${draftTokens} for ${drafts} drafts of 3`);
    assert.ok(accepted > 0 && accepted < draftTokens, `accepted ${accepted} of ${draftTokens}`);
    const perPosition = page(vllmFeatures.specDecodeNumAcceptedTokensPerPos.name);
    const byPosition = ["0", "1", "2"].map((position) => total(perPosition.filter((sample) => sample.labels.position === position)));
    assert.deepEqual(new Set(perPosition.map((sample) => sample.labels.engine)), new Set(["0", "1"]));
    assert.ok(byPosition[0]! > byPosition[1]! && byPosition[1]! > byPosition[2]!, `per position ${byPosition.join(", ")}`);
    assert.ok(Math.abs(total(perPosition) - accepted) <= 6, "the positions add up to the accepted tokens");
  });
}

test("--speculative on V0 writes V0's counters: draft, accepted and emitted tokens, no drafts count, no engine label", async (t) => {
  const simulator = await startSimulator({ metricsVersion: "0.6", speculativeTokens: 2, load: "burst", seed: 3 });
  t.after(() => simulator.close());
  const url = simulator.urls[0]!;
  await waitUntil(async () => total(await samples(url, vllmFeatures.specDecodeNumDraftTokens.name)) > 100, {
    what: "V0 draft tokens",
    timeoutMs: 20_000,
    intervalMs: 250,
  });
  const page = await scrape(url);
  const emitted = page(vllmFeatures.specDecodeNumEmittedTokens.name);
  assert.equal(emitted.length, 1);
  assert.deepEqual(Object.keys(emitted[0]!.labels), ["model_name"]);
  assert.ok(total(emitted) > total(page(vllmFeatures.specDecodeNumAcceptedTokens.name)), "emitted = accepted + one bonus token per draft");
  assert.deepEqual(page(vllmFeatures.specDecodeNumDrafts.name), []);
});

test("without --speculative or --lora-adapters a server has none of their families, as a default vllm serve", () => {
  for (const version of ["current", "0.10", "0.6"] as const satisfies readonly MetricsVersion[]) {
    const names = metricsVersionSpec(version, { maxModelLen: 8192 }).families.map((item) => item.family.name);
    assert.deepEqual(
      names.filter((name) => Object.values(vllmFeatures).some((family) => family.name === name)),
      [],
      version,
    );
  }
});

test("--lora-adapters 3 queues requests behind the LoRA budget: lora_requests_info's newest child holds at most max_lora adapters, and deferred requests are counted", async (t) => {
  const simulator = await startSimulator({ loraAdapters: 3, load: "overload", seed: 8, maxNumSeqs: 8 });
  t.after(() => simulator.close());
  const url = simulator.urls[0]!;
  let deferred = 0;
  await waitUntil(
    async () => {
      const reasons = await samples(url, vllm.numRequestsWaitingByReason.name);
      deferred = Math.max(deferred, total(reasons.filter((sample) => sample.labels.reason === "deferred")));
      return deferred > 0;
    },
    { what: "a request deferred by the LoRA budget", timeoutMs: 20_000, intervalMs: 200 },
  );
  const info = await samples(url, vllmFeatures.loraRequestsInfo.name);
  assert.ok(info.length >= 1);
  const newest = info.reduce((best, sample) => (sample.value > best.value ? sample : best));
  assert.deepEqual(Object.keys(newest.labels).sort(), [...vllmFeatures.loraRequestsInfo.labels].sort());
  assert.equal(newest.labels.max_lora, "2");
  const running = (newest.labels.running_lora_adapters ?? "").split(",").filter(Boolean);
  assert.ok(running.length <= 2, `running adapters ${running.join(",")} exceed max_lora 2`);
  assert.ok(running.every((adapter) => /^lora-[123]$/.test(adapter)));
  assert.ok(Math.abs(newest.value - Date.now() / 1000) < 60, "the value is the Unix time of the last update");
  const page = await scrape(url);
  assert.equal(
    total(page(vllm.numRequestsWaitingByReason.name)),
    total(page(vllm.numRequestsWaiting.name)),
    "the reasons add up to the waiting requests",
  );
});

test("the built-in load shows in the HTTP metrics: 2xx answers and 4xx rejections on the completion routes", async (t) => {
  const simulator = await startSimulator({ engines: 4, load: "burst", seed: 6, latencies: false });
  t.after(() => simulator.close());
  const url = simulator.urls[0]!;
  await waitUntil(
    async () => {
      const statuses = new Set((await samples(url, httpServer.requests.name)).map((sample) => sample.labels.status));
      return statuses.has("2xx") && statuses.has("4xx");
    },
    { what: "2xx and 4xx in http_requests_total", timeoutMs: 20_000, intervalMs: 250 },
  );
  const requests = await samples(url, httpServer.requests.name);
  assert.deepEqual([...new Set(requests.map((sample) => sample.labels.handler))].sort(), ["/v1/chat/completions", "/v1/completions"]);
  const ok = total(requests.filter((sample) => sample.labels.status === "2xx"));
  const rejected = total(requests.filter((sample) => sample.labels.status === "4xx"));
  assert.ok(rejected < ok / 20, `${rejected} rejected of ${ok + rejected}: about 1 %`);
  assert.ok((await samples(url, `${httpServer.requestDuration.name}_count`)).length >= 2);
});

test("a GPU fault posted to the GPU page shows in dcgm-exporter's fields: Xid code, row remap failure, thermal throttling", async (t) => {
  const simulator = await startSimulator({ load: "steady", gpuPort: 0, gpus: 2, engines: 2, seed: 4 });
  t.after(() => simulator.close());
  const gpuUrl = simulator.gpuUrl!;
  const post = async (path: string) => fetch(`${gpuUrl}${FAULTS_PATH}${path}`, { method: "POST" });
  const byGpu = async (name: string) =>
    Object.fromEntries((await samples(gpuUrl, name)).map((sample) => [sample.labels.gpu, sample.value]));
  assert.deepEqual(await byGpu(dcgm.xidErrors.name), { 0: 0, 1: 0 });
  assert.equal((await post("xid?gpu=1&code=79")).status, 200);
  assert.deepEqual(await byGpu(dcgm.xidErrors.name), { 0: 0, 1: 79 });
  // why: dcgm-exporter 3.3+ names the last Xid in labels, as the real RTX 4000 Ada page does (err_code="0",err_msg="No Error").
  assert.deepEqual(
    (await samples(gpuUrl, dcgm.xidErrors.name)).map((sample) => [sample.labels.gpu, sample.labels.err_code, sample.labels.err_msg]),
    [
      ["0", "0", "No Error"],
      ["1", "79", "GPU has fallen off the bus"],
    ],
  );
  assert.equal((await post("row-remap?gpu=0")).status, 200);
  assert.deepEqual(await byGpu(dcgm.rowRemapFailure.name), { 0: 1, 1: 0 });
  assert.deepEqual(await byGpu(dcgm.uncorrectableRemappedRows.name), { 0: 1, 1: 0 });
  const response = await post("throttle?gpu=0&reason=thermal&seconds=30");
  assert.equal(response.status, 200);
  assert.match(await response.text(), /GPU 0: thermal throttling for 30 s/);
  await waitUntil(async () => ((await byGpu(dcgm.thermalViolation.name))[0] ?? 0) > 1e6, {
    what: "a second of thermal violation on GPU 0",
    timeoutMs: 10_000,
    intervalMs: 250,
  });
  assert.equal((await byGpu(dcgm.thermalViolation.name))[1], 0);
  assert.equal((await byGpu(dcgm.powerViolation.name))[0], 0);
  // why: a thermal fault must take the GPU past GpuTemperatureHigh's 85 °C, or the alert could never be seen to fire.
  await waitUntil(async () => ((await byGpu(dcgm.gpuTemp.name))[0] ?? 0) > 85, {
    what: "GPU 0 above 85 °C while throttled by heat",
    timeoutMs: 30_000,
    intervalMs: 250,
  });
  assert.ok(((await byGpu(dcgm.gpuTemp.name))[1] ?? 0) < 85, "the other GPU stays cool");
  const bad = await post("throttle?gpu=5&reason=thermal");
  assert.equal(bad.status, 400);
  assert.match(await bad.text(), /no GPU 5: this simulator has GPUs 0 to 1/);
  assert.equal((await post("throttle?reason=cosmic")).status, 400);
  assert.equal((await fetch(`${gpuUrl}${FAULTS_PATH}xid`)).status, 405);
});

test("an Xid on the nvidia-smi format appears as nvidia_gpu_exporter's nvml counter, one child per GPU and code", async (t) => {
  const simulator = await startSimulator({ load: "idle", gpuPort: 0, gpus: 2, seed: 4, gpuFormat: "nvidia-smi" });
  t.after(() => simulator.close());
  const gpuUrl = simulator.gpuUrl!;
  assert.deepEqual(await samples(gpuUrl, nvidiaSmi.xidErrors.name), []);
  simulator.gpuFaults!.xid(0, 13);
  simulator.gpuFaults!.xid(0, 13);
  simulator.gpuFaults!.xid(1, 48);
  const counts = (await samples(gpuUrl, nvidiaSmi.xidErrors.name)).map((sample) => [sample.labels.xid, sample.value]);
  assert.deepEqual(counts, [
    ["13", 2],
    ["48", 1],
  ]);
  assert.ok((await samples(gpuUrl, nvidiaSmi.temperatureMemory.name)).every((sample) => sample.value >= 30 && sample.value <= 60));
});

test("--gpu-fields defaults serves the GPU Operator's fields as real pages have them: five profiling fields, no optional fields, and no KB/s PCIe throughput (DCGM 2.x+ answers it as not supported)", async (t) => {
  const simulator = await startSimulator({ load: "steady", gpuPort: 0, gpus: 1, seed: 4, gpuFields: "defaults" });
  t.after(() => simulator.close());
  const document = parseExposition(await (await fetch(`${simulator.gpuUrl!}/metrics`)).text());
  const names = document.families.map((family) => family.name);
  // why: the profiling fields of the real L40S, L4, T4 and RTX 4000 Ada pages (test/fixtures/real/dcgm).
  assert.deepEqual(
    names.filter((name) => name.startsWith("DCGM_FI_PROF_")),
    [dcgm.grEngineActive, dcgm.tensorActive, dcgm.dramActive, dcgm.pcieTxBytes, dcgm.pcieRxBytes].map((family) => family.name),
  );
  for (const family of [
    dcgm.nvlinkTxBytes,
    dcgm.nvlinkRxBytes,
    dcgm.powerManagementLimit,
    dcgm.powerViolation,
    dcgm.thermalViolation,
    dcgm.pcieTxThroughput,
    dcgm.pcieRxThroughput,
  ])
    assert.ok(!names.includes(family.name), family.name);
  for (const family of [dcgm.xidErrors, dcgm.rowRemapFailure, dcgm.pcieReplayCounter]) assert.ok(names.includes(family.name), family.name);
});

test("rejects a speculative length out of range and --gpu-fields with the nvidia-smi format, all at once", () => {
  assert.throws(
    () => resolveOptions({ speculativeTokens: 40, loraAdapters: -1, gpuFormat: "nvidia-smi", gpuFields: "defaults", gpuPort: 0 }),
    (error: unknown) =>
      isUserError(error) &&
      error.problems.some((problem) => problem.startsWith("--speculative must be a whole number from 0 to 16")) &&
      error.problems.some((problem) => problem.startsWith("--lora-adapters must be a whole number")) &&
      error.problems.some((problem) => problem.startsWith("--gpu-fields applies to --gpu-format dcgm only")),
  );
});

test("drain stops the built-in load, lets every request finish, and leaves the counters still; TTFT and E2E then count the same requests", async (t) => {
  const simulator = await startSimulator({ engines: 2, load: "steady", seed: 9 });
  t.after(() => simulator.close());
  const url = simulator.urls[0]!;
  await waitUntil(async () => total(await samples(url, vllm.requestSuccess.name)) > 20, {
    what: "finished requests",
    timeoutMs: 30_000,
    intervalMs: 250,
  });
  await simulator.drain(60_000);
  const drained = await scrape(url);
  assert.equal(total(drained(vllm.numRequestsRunning.name)), 0);
  assert.equal(total(drained(vllm.numRequestsWaiting.name)), 0);
  const finished = total(drained(`${vllm.e2eRequestLatency.name}_count`));
  const firstTokens = total(drained(`${vllm.timeToFirstToken.name}_count`));
  assert.ok(firstTokens <= finished && finished > 20, `first tokens ${firstTokens}, finished ${finished}`);
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  assert.equal(total(await samples(url, `${vllm.e2eRequestLatency.name}_count`)), finished, "no request arrives after drain");
});
