import assert from "node:assert/strict";
import { test } from "node:test";
import { dcgm } from "../../src/catalog/index.js";
import { parseExposition } from "../../src/exposition/index.js";
import { waitUntil } from "../../src/process/index.js";
import { startSimulator } from "../../src/simulator/index.js";

async function gpuValues(url: string, name: string): Promise<{ labels: Record<string, string>; value: number }[]> {
  const document = parseExposition(await (await fetch(`${url}/metrics`)).text());
  return document.families.filter((family) => family.name === name).flatMap((family) => family.samples.map((sample) => ({ labels: { ...sample.labels }, value: sample.value })));
}

test("GPU metrics stay at idle values when the engine has no work", async (t) => {
  const simulator = await startSimulator({ load: "idle", gpuPort: 0, gpus: 1, seed: 4 });
  t.after(() => simulator.close());
  const url = simulator.gpuUrl as string;
  assert.equal((await gpuValues(url, dcgm.gpuUtil.name))[0]?.value, 0);
  const power = (await gpuValues(url, dcgm.powerUsage.name))[0]?.value ?? 0;
  assert.ok(power > 70 && power < 130, `idle power ${power} W`);
  const labels = (await gpuValues(url, dcgm.gpuTemp.name))[0]?.labels ?? {};
  assert.deepEqual(Object.keys(labels), ["gpu", "UUID", "pci_bus_id", "device", "modelName", "hostname"]);
});

test("GPU utilization, power and temperature follow an overload, with the older Hostname label on request", async (t) => {
  const simulator = await startSimulator({ load: "overload", gpuPort: 0, gpus: 1, seed: 4, gpuHostnameLabel: "Hostname" });
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
  assert.ok(sample?.labels.Hostname !== undefined && sample.labels.hostname === undefined);
  assert.ok((sample?.value ?? 0) > 16_384, "framebuffer holds the weights and the KV blocks in use");
});
