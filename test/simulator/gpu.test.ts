import assert from "node:assert/strict";
import { test } from "node:test";
import { dcgm, nvidiaSmi } from "../../src/catalog/index.js";
import { isUserError } from "../../src/errors.js";
import { parseExposition } from "../../src/exposition/index.js";
import { waitUntil } from "../../src/process/index.js";
import { resolveOptions, startSimulator, type GpuFormat } from "../../src/simulator/index.js";

async function gpuValues(url: string, name: string): Promise<{ labels: Record<string, string>; value: number }[]> {
  const document = parseExposition(await (await fetch(`${url}/metrics`)).text());
  return document.families
    .filter((family) => family.name === name)
    .flatMap((family) => family.samples.map((sample) => ({ labels: { ...sample.labels }, value: sample.value })));
}

test("GPU metrics stay at idle values when the engine has no work", async (t) => {
  const simulator = await startSimulator({ load: "idle", gpuPort: 0, gpus: 1, seed: 4 });
  t.after(() => simulator.close());
  const url = simulator.gpuUrl as string;
  assert.equal((await gpuValues(url, dcgm.gpuUtil.name))[0]?.value, 0);
  const power = (await gpuValues(url, dcgm.powerUsage.name))[0]?.value ?? 0;
  assert.ok(power > 70 && power < 130, `idle power ${power} W`);
  const labels = (await gpuValues(url, dcgm.gpuTemp.name))[0]?.labels ?? {};
  // why: every real dcgm-exporter page in test/fixtures/real (2021 to 2026) writes `Hostname`.
  assert.deepEqual(Object.keys(labels), ["gpu", "UUID", "pci_bus_id", "device", "modelName", "Hostname"]);
});

test("GPU utilization, power and temperature follow an overload, with PR #655's hostname label on request", async (t) => {
  const simulator = await startSimulator({ load: "overload", gpuPort: 0, gpus: 1, seed: 4, gpuHostnameLabel: "hostname" });
  t.after(() => simulator.close());
  const url = simulator.gpuUrl as string;
  await waitUntil(
    async () => {
      const util = (await gpuValues(url, dcgm.gpuUtil.name))[0]?.value ?? 0;
      const power = (await gpuValues(url, dcgm.powerUsage.name))[0]?.value ?? 0;
      const temperature = (await gpuValues(url, dcgm.gpuTemp.name))[0]?.value ?? 0;
      return util === 100 && power > 400 && power <= 700 && temperature >= 40;
    },
    { what: "100 % utilization, power above 400 W and a warming GPU", timeoutMs: 20_000, intervalMs: 500 },
  );
  const sample = (await gpuValues(url, dcgm.fbUsed.name))[0];
  assert.ok(sample?.labels.hostname !== undefined && sample.labels.Hostname === undefined);
  assert.ok((sample?.value ?? 0) > 16_384, "framebuffer holds the weights and the KV blocks in use");
});

const MIB = 1_048_576;

test("the nvidia-smi format serves the catalog's nvidia_smi_* gauges in base units, labelled by uuid only, with gpu_info to join", async (t) => {
  const simulator = await startSimulator({ load: "idle", gpuPort: 0, gpus: 2, seed: 4, gpuFormat: "nvidia-smi" });
  t.after(() => simulator.close());
  const document = parseExposition(await (await fetch(`${simulator.gpuUrl as string}/metrics`)).text());
  const served = document.families.map((family) => family.name);
  // why: the Xid counter of the exporter's nvml backend has no child until a GPU reports an Xid.
  const always = Object.values(nvidiaSmi).filter((family) => family !== nvidiaSmi.xidErrors);
  assert.deepEqual([...served].sort(), always.map((family) => family.name).sort());
  assert.ok(document.families.every((family) => family.type === "gauge" && family.samples.length === 2));
  assert.ok(!served.some((name) => name.startsWith("DCGM_")), "no DCGM families in nvidia-smi format");
  const info = document.families.find((family) => family.name === nvidiaSmi.gpuInfo.name)?.samples ?? [];
  assert.deepEqual(
    info.map((sample) => sample.labels.index),
    ["0", "1"],
  );
  for (const sample of info) {
    assert.equal(sample.value, 1);
    assert.deepEqual(Object.keys(sample.labels), [...nvidiaSmi.gpuInfo.labels]);
    assert.match(
      sample.labels.uuid ?? "",
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
      "the exporter drops the GPU- prefix",
    );
    assert.equal(sample.labels.name, "NVIDIA H200");
  }
  const url = simulator.gpuUrl as string;
  const temperature = await gpuValues(url, nvidiaSmi.temperatureGpu.name);
  assert.deepEqual(
    temperature.map((sample) => sample.labels),
    info.map((sample) => ({ uuid: sample.labels.uuid })),
    "per-GPU gauges carry only uuid, the same values as gpu_info",
  );
  const first = async (name: string) => (await gpuValues(url, name))[0]?.value ?? Number.NaN;
  assert.equal(await first(nvidiaSmi.utilizationGpuRatio.name), 0);
  assert.equal(await first(nvidiaSmi.memoryTotalBytes.name), 143_771 * MIB, "H200 memory.total in bytes, not MiB");
  const used = await first(nvidiaSmi.memoryUsedBytes.name);
  const free = await first(nvidiaSmi.memoryFreeBytes.name);
  assert.ok(used >= 16_384 * MIB && used % MIB === 0, `idle memory.used ${used} B holds the weights, in whole MiB`);
  assert.ok(used + free < 143_771 * MIB, "used + free leave the reserved memory out of total");
  assert.equal(await first(nvidiaSmi.powerLimitWatts.name), 700);
  const power = await first(nvidiaSmi.powerDrawWatts.name);
  assert.ok(power > 70 && power < 130, `idle power ${power} W`);
  assert.equal(await first(nvidiaSmi.clocksCurrentSmHz.name), 1980 * 1_000_000, "an idle, unparked H200 clocks 1980 MHz, served in Hz");
});

test("the nvidia-smi format follows an overload: utilization ratio 1, power above 400 W, a warming GPU and KV blocks in memory", async (t) => {
  const simulator = await startSimulator({ load: "overload", gpuPort: 0, gpus: 1, seed: 4, gpuFormat: "nvidia-smi" });
  t.after(() => simulator.close());
  const url = simulator.gpuUrl as string;
  const first = async (name: string) => (await gpuValues(url, name))[0]?.value ?? 0;
  const idleUsed = await first(nvidiaSmi.memoryUsedBytes.name);
  await waitUntil(
    async () => {
      const ratio = await first(nvidiaSmi.utilizationGpuRatio.name);
      const power = await first(nvidiaSmi.powerDrawWatts.name);
      const temperature = await first(nvidiaSmi.temperatureGpu.name);
      return ratio === 1 && power > 400 && power <= 700 && temperature >= 40;
    },
    { what: "utilization ratio 1, power above 400 W and a warming GPU", timeoutMs: 20_000, intervalMs: 500 },
  );
  assert.ok((await first(nvidiaSmi.memoryUsedBytes.name)) > idleUsed, "memory.used grows with the KV blocks in use");
  assert.ok((await first(nvidiaSmi.utilizationMemoryRatio.name)) > 0);
});

test("rejects an unknown GPU format and a dcgm host label with the nvidia-smi format, all at once", () => {
  assert.throws(
    () => resolveOptions({ gpuFormat: "nvml" as GpuFormat, gpuPort: 0 }),
    (error: unknown) =>
      isUserError(error) && error.problems.some((problem) => problem.startsWith("--gpu-format must be one of dcgm, nvidia-smi")),
  );
  assert.throws(
    () => resolveOptions({ gpuFormat: "nvidia-smi", gpuHostnameLabel: "Hostname", gpus: 0 }),
    (error: unknown) =>
      isUserError(error) &&
      error.problems.length === 2 &&
      error.problems.some((problem) => problem.startsWith("--gpu-hostname-label applies to --gpu-format dcgm only")),
  );
  assert.equal(resolveOptions({}).gpuFormat, "dcgm");
});
