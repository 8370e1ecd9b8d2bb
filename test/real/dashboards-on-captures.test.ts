/**
 * The dashboards on real data: each real capture of test/fixtures/real is served to a real
 * Prometheus (with our rules loaded), as the exporters' own pages would be, and the panels are
 * asked what a user would see. The simulator plays no part here.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { dcgm, nvidiaSmi, vllm } from "../../src/catalog/index.js";
import { allSelectedValues, substituteVariables } from "../../src/mixin/dashboards/inspect.js";
import { cacheConfig } from "../../src/promql/engine.js";
import { gpuMemoryUsedBytes, gpuPowerWatts, gpuTemperatureCelsius } from "../../src/promql/gpu.js";
import { memoryTemperatureCelsius } from "../../src/promql/gpu-health.js";
import { ruleScope } from "../../src/promql/scope.js";
import type { RunningPrometheus } from "../helpers/prometheus.js";
import {
  captureFamilies,
  gpuFamiliesRead,
  machineOverviewPanels,
  problemsOnceSettled,
  readCapture,
  scrapeCapturesWithRules,
  serveCaptures,
  unitRange,
  type CaptureServer,
} from "./helpers.js";
import { parseExposition } from "../../src/exposition/index.js";

/** Each GPU capture, the host its panels are filtered to, and whether the scrape sets `hostname` (dcgm-exporter's own `Hostname` otherwise). */
const GPU_CAPTURES = [
  { name: "t4", file: "dcgm/dcgm-exporter-tesla-t4-460.106.00.prom", host: "424773df46e0", targetHostname: false },
  { name: "h200", file: "nvidia-smi/linux-x86_64__nvidia-h200__590.48.01__load.metrics", host: "h200-host", targetHostname: true },
  {
    name: "h100",
    file: "nvidia-smi/linux-x86_64__nvidia-h100-80gb-hbm3__590.48.01__load.metrics",
    host: "h100-host",
    targetHostname: true,
  },
  { name: "l40s", file: "dcgm/dcgm-exporter-l40s-595.58.03.prom", host: "gpu1-wl8sg", targetHostname: false },
  { name: "l4", file: "dcgm/dcgm-exporter-l4-580.105.08.prom", host: "i-030791dc5a37cd257", targetHostname: false },
  { name: "t4-590", file: "dcgm/dcgm-exporter-tesla-t4-590.48.01.prom", host: "cp-bm14r7", targetHostname: false },
  {
    name: "rtx4000ada",
    file: "dcgm/dcgm-exporter-rtx-4000-ada-580.95.05.prom",
    host: "lke529760-766837-0a634ab30000",
    targetHostname: false,
  },
  { name: "l40s-smi", file: "nvidia-smi/linux-x86_64__nvidia-l40s__595.80__load.metrics", host: "l40s-host", targetHostname: true },
  {
    name: "h100mig-smi",
    file: "nvidia-smi/linux-x86_64__nvidia-h100-mig__590.48.01__load.metrics",
    host: "h100mig-host",
    targetHostname: true,
  },
  { name: "h100mig", file: "dcgm/dcgm-exporter-h100-mig-535.129.03-fragment.prom", host: "gsrh100-074", targetHostname: false },
] as const;
const VLLM_CAPTURE = { name: "vllm", file: "vllm/vllm-0.28-qwen38-live.prom", host: "vllm-host" } as const;

/**
 * Panels of the Machine overview that may stay empty on a capture that has some of their series, and why.
 */
const EMPTY_ALLOWED: Readonly<Record<string, string>> = {
  "Clock throttling": "nvidia-smi has no violation counters; the panel reads DCGM's only",
  "GPU memory temperature":
    "dcgm-exporter writes 0 where the GPU does not measure it (L40S, L4, T4, RTX 4000 Ada); the panel shows nothing rather than 0 °C",
};

const readsOtherFamilies = (expr: string) => /\bvllm:|\bnode_|\bup\{/.test(expr);

describe("dashboards on real captures served to a real Prometheus", () => {
  let server: CaptureServer | undefined;
  let prometheus: RunningPrometheus | undefined;

  before(async () => {
    server = await serveCaptures(Object.fromEntries([...GPU_CAPTURES, VLLM_CAPTURE].map((capture) => [capture.name, capture.file])));
    prometheus = await scrapeCapturesWithRules(server, [
      ...GPU_CAPTURES.map((capture) => ({ name: capture.name, labels: capture.targetHostname ? { hostname: capture.host } : undefined })),
      { name: VLLM_CAPTURE.name, labels: { hostname: VLLM_CAPTURE.host } },
    ]);
    await prometheus.waitForScrapes(2);
  });

  after(async () => {
    await prometheus?.stop();
    await server?.close();
  });

  test("scrapes every capture as it is, with no target down", async () => {
    const up = await prometheus!.query("up");
    assert.deepEqual(
      up.map((sample) => [sample.metric.job, sample.value]).sort(),
      [...GPU_CAPTURES.map((capture) => [capture.name, 1]), [VLLM_CAPTURE.name, 1]].sort(),
    );
  });

  for (const capture of GPU_CAPTURES) {
    test(`fills every Machine overview GPU panel whose series the ${capture.name} capture has, within its unit's range, after a drill-down from the host's vLLM`, async () => {
      const families = await captureFamilies(capture.file);
      // why: a dashboard link from a vLLM panel carries vLLM's job and instance; GPU panels must still show the host's GPUs.
      const values = { ...allSelectedValues("5s"), hostname: capture.host, job: VLLM_CAPTURE.name };
      const outOfRange: string[] = [];
      const empty = await problemsOnceSettled(async () => {
        const found: string[] = [];
        outOfRange.length = 0;
        for (const panel of machineOverviewPanels()) {
          for (const expr of panel.exprs) {
            const read = gpuFamiliesRead(expr);
            if (read.length === 0 || readsOtherFamilies(expr) || !read.some((name) => families.has(name))) continue;
            const samples = await prometheus!.query(substituteVariables(expr, values));
            if (samples.length === 0 && EMPTY_ALLOWED[panel.title] === undefined)
              found.push(`${panel.title}: ${read.filter((name) => families.has(name)).join(", ")}`);
            const [low, high] = unitRange(panel.unit);
            for (const sample of samples) {
              if (!(sample.value >= low && sample.value <= high)) outOfRange.push(`${panel.title} (${panel.unit}) = ${sample.value}`);
            }
          }
        }
        return found;
      });
      assert.deepEqual(empty, [], "panels with no data although the capture has their series");
      assert.deepEqual(outOfRange, []);
    });
  }

  test("shows GPU memory used as FB_USED MiB × 1048576, and power and temperature as the exporters state them", async () => {
    const scope = ruleScope("1m");
    const byHost = async (expr: string) => new Map((await prometheus!.query(expr)).map((sample) => [sample.metric.hostname, sample.value]));
    const stated = async (file: string, family: string) =>
      parseExposition(await readCapture(file)).families.find((candidate) => candidate.name === family)!.samples[0]!.value;
    const [t4, h200] = [GPU_CAPTURES[0], GPU_CAPTURES[1]];
    const memory = await byHost(gpuMemoryUsedBytes(scope));
    assert.equal(memory.get(t4.host), (await stated(t4.file, dcgm.fbUsed.name)) * 1_048_576);
    assert.equal(memory.get(h200.host), await stated(h200.file, nvidiaSmi.memoryUsedBytes.name));
    const power = await byHost(gpuPowerWatts(scope));
    assert.equal(power.get(t4.host), 8.969);
    assert.equal(power.get(h200.host), await stated(h200.file, nvidiaSmi.powerDrawWatts.name));
    const temperature = await byHost(gpuTemperatureCelsius(scope));
    assert.equal(temperature.get(t4.host), 25);
    assert.equal(temperature.get(h200.host), 52);
  });

  test("shows no GPU memory temperature where dcgm-exporter writes 0 for it, and the stated one where nvidia-smi measures it", async () => {
    const byHost = new Map(
      (await prometheus!.query(memoryTemperatureCelsius(ruleScope("1m")))).map((sample) => [sample.metric.hostname, sample.value]),
    );
    // why: the 2021 T4 page has no MEMORY_TEMP field and the MIG fragment holds GR_ENGINE_ACTIVE only.
    for (const capture of GPU_CAPTURES.filter(
      (candidate) => candidate.file.startsWith("dcgm/") && !["t4", "h100mig"].includes(candidate.name),
    )) {
      const [stated] = parseExposition(await readCapture(capture.file)).families.find(
        (family) => family.name === dcgm.memoryTemp.name,
      )!.samples;
      assert.equal(stated?.value, 0, `${capture.file} states 0 °C`);
      assert.equal(byHost.get(capture.host), undefined, `${capture.name}: no memory temperature, not 0 °C`);
    }
    const h200 = GPU_CAPTURES[1];
    const [stated] = parseExposition(await readCapture(h200.file)).families.find(
      (family) => family.name === nvidiaSmi.temperatureMemory.name,
    )!.samples;
    assert.equal(byHost.get(h200.host), stated!.value);
  });

  test("shows a GPU's power draw on dcgm-exporter's default counters, which state no power limit", async () => {
    const panel = machineOverviewPanels().find((candidate) => candidate.title === "Power against its limit");
    assert.ok(panel);
    const samples = (
      await Promise.all(
        panel.exprs.map((expr) =>
          prometheus!.query(substituteVariables(expr, { ...allSelectedValues("5s"), hostname: GPU_CAPTURES[0].host })),
        ),
      )
    ).flat();
    assert.deepEqual(
      samples.map((sample) => sample.value),
      [8.969],
    );
  });

  test("gives the KV cache capacity vLLM states in cache_config_info, which differs from blocks × block size on a hybrid model", async () => {
    const [row] = await prometheus!.query(cacheConfig(ruleScope("1m")));
    assert.ok(row);
    assert.equal(row.metric.kv_cache_size_tokens, "26093");
    assert.notEqual(Number(row.metric.num_gpu_blocks) * Number(row.metric.block_size), 26093);
    const [usage] = await prometheus!.query(`${vllm.kvCacheUsagePerc.name}{job="${VLLM_CAPTURE.name}"}`);
    assert.equal(usage?.value, 0);
  });
});
