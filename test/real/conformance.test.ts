/**
 * The simulator against reality: its pages are compared with the real captures of
 * test/fixtures/real, family by family. Every difference is listed by name; the test fails on any
 * that the allow-list below does not explain. A fix to the simulator removes its allow-list line.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { dcgm, nvidiaSmi, type MetricFamily } from "../../src/catalog/index.js";
import { parseExposition, type ExpositionFamily } from "../../src/exposition/index.js";
import { startSimulator, type RunningSimulator } from "../../src/simulator/index.js";
import { readCapture, REAL_ROOT } from "./helpers.js";

/** Labels whose values vLLM enumerates; the simulator must use the same values. */
const ENUMERATED_LABELS = ["finished_reason", "reason", "source", "sleep_state"] as const;
/** Labels prometheus_client and the exporters add per series rather than per family. */
const SAMPLE_LABELS = new Set(["le", "quantile"]);

/** Known differences, each with the reason it stands. Keys are the difference texts the test prints. */
const ALLOWED: Readonly<Record<string, string>> = {
  // vLLM 0.28 (hybrid attention/Mamba model) against --metrics-version current (the 2026-08 main snapshot).
  "vllm 0.28 / vllm:cache_config_info: label names differ":
    "vLLM writes every CacheConfig field as a label; the capture has 31 (Mamba and KV-offload settings among them), the simulator the 7 the dashboards read. The capacity the dashboards need (kv_cache_size_tokens) is a planned simulator addition; the label set grows with each release.",
  "vllm 0.30 / vllm:cache_config_info: label names differ":
    "As for 0.28; 0.30 has 34 labels (kv_cache_layout, enable_mamba_fine_grained_prefix_cache, prefix_cache_retention_interval, use_kda_recoverssm added).",
  // dcgm-exporter 2.x default counters (Tesla T4, driver 460) against --gpu-fields defaults.
  "dcgm T4 / DCGM_FI_DEV_FB_RESERVED: served by the simulator, absent from the capture":
    "FB_RESERVED joined dcgm-exporter's default counters after this 2021 capture (it is in today's etc/default-counters.csv).",
  "dcgm T4 / DCGM_FI_DEV_UNCORRECTABLE_REMAPPED_ROWS: served by the simulator, absent from the capture":
    "Row-remap fields joined the default counters later, and exist on A100/H100-class GPUs only, not on a T4.",
  "dcgm T4 / DCGM_FI_DEV_CORRECTABLE_REMAPPED_ROWS: served by the simulator, absent from the capture": "As UNCORRECTABLE_REMAPPED_ROWS.",
  "dcgm T4 / DCGM_FI_DEV_ROW_REMAP_FAILURE: served by the simulator, absent from the capture": "As UNCORRECTABLE_REMAPPED_ROWS.",
  "dcgm T4 / DCGM_FI_DEV_MEMORY_TEMP: served by the simulator, absent from the capture":
    "A T4 (GDDR6) reports no memory temperature; HBM GPUs do, and the simulator models an H200.",
  "dcgm T4 / label names differ (capture: DCGM_FI_DRIVER_VERSION, DCGM_FI_PROCESS_NAME; simulator: err_code, err_msg, pci_bus_id)":
    "The capture is dcgm-exporter 2.x: no pci_bus_id yet and no err_code/err_msg on the Xid gauge (3.3+ added them, as the RTX 4000 Ada page shows), and driver/process labels that exporter version added; the dashboards read none of them.",
  "dcgm T4 / DCGM_FI_PROF_GR_ENGINE_ACTIVE: served by the simulator, absent from the capture":
    "This 2021 dcgm-exporter 2.x page predates profiling fields in the default set; every GPU Operator page of 2025-26 in the corpus (L40S, L4, T4, RTX 4000 Ada) has GR_ENGINE_ACTIVE, PIPE_TENSOR_ACTIVE, DRAM_ACTIVE and PROF_PCIE_TX/RX_BYTES, which --gpu-fields defaults serves.",
  "dcgm T4 / DCGM_FI_PROF_PIPE_TENSOR_ACTIVE: served by the simulator, absent from the capture": "As GR_ENGINE_ACTIVE.",
  "dcgm T4 / DCGM_FI_PROF_DRAM_ACTIVE: served by the simulator, absent from the capture": "As GR_ENGINE_ACTIVE.",
  "dcgm T4 / DCGM_FI_PROF_PCIE_TX_BYTES: served by the simulator, absent from the capture": "As GR_ENGINE_ACTIVE.",
  "dcgm T4 / DCGM_FI_PROF_PCIE_RX_BYTES: served by the simulator, absent from the capture": "As GR_ENGINE_ACTIVE.",
  // GPU Operator pages of 2025-26 against --gpu-fields defaults.
  "dcgm L40S / DCGM_FI_DEV_XID_ERRORS: served by the simulator, absent from the capture":
    "The GPU Operator's L40S, L4 and T4 pages carry no XID_ERRORS; the RTX 4000 Ada page does (with err_code/err_msg labels). The simulator keeps it, as the Xid panel and alerts read it where it exists.",
  "dcgm L4 / DCGM_FI_DEV_XID_ERRORS: served by the simulator, absent from the capture": "As on the L40S page.",
  "dcgm T4 590 / DCGM_FI_DEV_XID_ERRORS: served by the simulator, absent from the capture": "As on the L40S page.",
  "dcgm T4 590 / DCGM_FI_DEV_UNCORRECTABLE_REMAPPED_ROWS: served by the simulator, absent from the capture":
    "A T4 has no row remapping (A100/H100-class GPUs and later Ada/Hopper parts do: the L40S, L4 and RTX 4000 Ada pages have the fields).",
  "dcgm T4 590 / DCGM_FI_DEV_CORRECTABLE_REMAPPED_ROWS: served by the simulator, absent from the capture":
    "As UNCORRECTABLE_REMAPPED_ROWS.",
  "dcgm T4 590 / DCGM_FI_DEV_ROW_REMAP_FAILURE: served by the simulator, absent from the capture": "As UNCORRECTABLE_REMAPPED_ROWS.",
  "dcgm L40S / label names differ (capture: DCGM_FI_DRIVER_VERSION; simulator: )":
    "The GPU Operator's pages carry the driver version as a label; no panel reads it.",
  "dcgm L4 / label names differ (capture: DCGM_FI_DRIVER_VERSION; simulator: )": "As on the L40S page.",
  "dcgm T4 590 / label names differ (capture: DCGM_FI_DRIVER_VERSION; simulator: )": "As on the L40S page.",
  "dcgm RTX 4000 Ada / label names differ (capture: DCGM_FI_DRIVER_VERSION, container, namespace, pod, pod_uid; simulator: )":
    "As on the L40S page, plus the pod of the GPU's process (dcgm-exporter's Kubernetes mode; the simulator has no GPU pod).",
  // The idle vLLM V1 page of 2026-03 against --metrics-version current (the 2026-08 main snapshot).
  "vllm 2026-03 / vllm:prompt_tokens_recomputed_total: in the capture, not served by the simulator":
    "Existed from 2026-02-04 (#33290) until 2026-04-12 (#38709); the 2026-08 snapshot the simulator follows has no such family.",
  "vllm 2026-03 / vllm:prompt_tokens_recomputed_created: in the capture, not served by the simulator": "As prompt_tokens_recomputed_total.",
  "vllm 2026-03 / vllm:num_requests_waiting_by_reason: served by the simulator, absent from the capture":
    "Added on 2026-04-13 (#38435), after this page was scraped.",
  "vllm 2026-03 / vllm:cache_config_info: label names differ":
    "As for 0.28: every CacheConfig field is a label and the set changes with each release.",
  // A research fork of vLLM V0 (0.6.x line), its page at startup, against --metrics-version 0.6.
  "vllm V0 fork / vllm:cache_config_info: label names differ":
    "As for 0.28: every CacheConfig field is a label (this V0 page has cpu_offload_gb, is_attention_free, num_gpu_blocks_override, sliding_window and swap_space_bytes besides the 6 the simulator writes).",
  "vllm V0 fork / vllm:scheduler_total_time: in the capture, not served by the simulator":
    "Added by the fork that served this page (FerranAgulloLopez/vLLMBatchingMemoryGap, vllm/engine/metrics.py); no vLLM release has it.",
  "vllm V0 fork / vllm:model_forward_total_time: in the capture, not served by the simulator": "As scheduler_total_time.",
  // A data-center H100 split into MIG instances (dcgm-exporter 3.x/4.x, GPU Operator), a fragment, against --gpu-fields defaults.
  "dcgm H100 MIG / label names differ (capture: DCGM_FI_DRIVER_VERSION, GPU_I_ID, GPU_I_PROFILE, container, namespace, pod; simulator: )":
    "The simulator models whole GPUs; a MIG GPU writes one series per GPU instance, told apart by GPU_I_ID/GPU_I_PROFILE (the GPU panels still show it: test/real/dashboards-on-captures.test.ts). Driver and pod labels as on the RTX 4000 Ada page.",
  // nvidia_gpu_exporter (nvidia-smi backend), H200 under load, against --gpu-format nvidia-smi.
  "nvidia-smi H200 / label names differ (capture: ; simulator: xid)":
    "The `xid` label of nvidia_smi_xid_errors_total, which the capture lacks (below).",
  "nvidia-smi H200 / nvidia_smi_xid_errors_total: served by the simulator, absent from the capture":
    "The capture comes from the exporter's nvidia-smi backend; the Xid counter exists only with its nvml backend, and only after a first Xid. The simulator serves it once an Xid is injected.",
  "nvidia-smi L40S / nvidia_smi_temperature_memory: served by the simulator, absent from the capture":
    "An L40S (GDDR6) reports no memory temperature (nvidia-smi says N/A, so the exporter writes no sample); the simulator models an H200 (HBM3e), which does.",
  "nvidia-smi L40S / nvidia_smi_xid_errors_total: served by the simulator, absent from the capture": "As on the H200 page.",
  "nvidia-smi L40S / label names differ (capture: ; simulator: xid)": "As on the H200 page.",
  "nvidia-smi H100 MIG / nvidia_smi_utilization_gpu_ratio: served by the simulator, absent from the capture":
    "With MIG enabled nvidia-smi reports utilization.gpu and utilization.memory as N/A, so the exporter writes neither; the simulator models a whole GPU. The GPU utilization panel stays empty on such a host (dcgm-exporter's GR_ENGINE_ACTIVE per GPU instance is the MIG-capable source).",
  "nvidia-smi H100 MIG / nvidia_smi_utilization_memory_ratio: served by the simulator, absent from the capture":
    "As utilization_gpu_ratio.",
  "nvidia-smi H100 MIG / nvidia_smi_xid_errors_total: served by the simulator, absent from the capture": "As on the H200 page.",
  "nvidia-smi H100 MIG / label names differ (capture: ; simulator: xid)": "As on the H200 page.",
};

/** dcgm-exporter pages of the GPU Operator's field set (2025-11 to 2026-04), compared with --gpu-fields defaults. */
const GPU_OPERATOR_CAPTURES = [
  { where: "dcgm L40S", file: "dcgm/dcgm-exporter-l40s-595.58.03.prom" },
  { where: "dcgm L4", file: "dcgm/dcgm-exporter-l4-580.105.08.prom" },
  { where: "dcgm T4 590", file: "dcgm/dcgm-exporter-tesla-t4-590.48.01.prom" },
  { where: "dcgm RTX 4000 Ada", file: "dcgm/dcgm-exporter-rtx-4000-ada-580.95.05.prom" },
] as const;

interface Difference {
  readonly text: string;
}

/** Label names a family's samples carry, besides `le`/`quantile`. */
function labelNames(family: ExpositionFamily): string[] {
  return [...new Set(family.samples.flatMap((sample) => Object.keys(sample.labels)).filter((name) => !SAMPLE_LABELS.has(name)))].sort();
}

function labelValues(family: ExpositionFamily, label: string): string[] {
  return [...new Set(family.samples.map((sample) => sample.labels[label]).filter((value): value is string => value !== undefined))].sort();
}

function bucketBounds(family: ExpositionFamily): number[] {
  const bound = (le: string) => (le === "+Inf" ? Number.POSITIVE_INFINITY : Number(le));
  return [
    ...new Set(
      family.samples
        .map((sample) => sample.labels.le)
        .filter((le): le is string => le !== undefined)
        .map(bound),
    ),
  ].sort((a, b) => a - b);
}

const sameList = <T>(a: readonly T[], b: readonly T[]) => a.length === b.length && a.every((item, index) => item === b[index]);

/**
 * Every difference between two vLLM pages, over the `vllm:` families. A `partial` capture holds
 * some families only (SOURCES.md says which), so families it lacks are not differences.
 */
function vllmDifferences(
  where: string,
  real: readonly ExpositionFamily[],
  simulated: readonly ExpositionFamily[],
  partial = false,
): Difference[] {
  const differences: Difference[] = [];
  const isVllm = (family: ExpositionFamily) => family.name.startsWith("vllm:");
  const served = new Map(simulated.filter(isVllm).map((family) => [family.name, family]));
  const captured = new Map(real.filter(isVllm).map((family) => [family.name, family]));
  for (const [name, family] of captured) {
    const mine = served.get(name);
    if (mine === undefined) {
      differences.push({ text: `${where} / ${name}: in the capture, not served by the simulator` });
      continue;
    }
    if (mine.type !== family.type)
      differences.push({ text: `${where} / ${name}: TYPE ${family.type} in the capture, ${mine.type} served` });
    if (!sameList(labelNames(family), labelNames(mine))) differences.push({ text: `${where} / ${name}: label names differ` });
    for (const label of ENUMERATED_LABELS) {
      if (!sameList(labelValues(family, label), labelValues(mine, label))) {
        differences.push({
          text: `${where} / ${name}: ${label} values ${labelValues(family, label).join(",")} in the capture, ${labelValues(mine, label).join(",")} served`,
        });
      }
    }
    if (family.type === "histogram" && !sameList(bucketBounds(family), bucketBounds(mine))) {
      differences.push({
        text: `${where} / ${name}: buckets ${bucketBounds(family).join(",")} in the capture, ${bucketBounds(mine).join(",")} served`,
      });
    }
  }
  if (!partial)
    for (const name of served.keys())
      if (!captured.has(name)) differences.push({ text: `${where} / ${name}: served by the simulator, absent from the capture` });
  return differences;
}

/**
 * Every difference between a GPU exporter page and the simulator's, over the families of our
 * catalog (the ones the dashboards read and the simulator claims to serve): presence, TYPE, and
 * the label names of the families both have. A `partial` capture holds some families only, so families it
 * lacks are not differences.
 */
function gpuDifferences(
  where: string,
  catalog: readonly MetricFamily[],
  real: readonly ExpositionFamily[],
  simulated: readonly ExpositionFamily[],
  partial = false,
): Difference[] {
  const differences: Difference[] = [];
  const captured = new Map(real.map((family) => [family.name, family]));
  const served = new Map(simulated.map((family) => [family.name, family]));
  for (const { name } of catalog) {
    const theirs = captured.get(name);
    const mine = served.get(name);
    if (theirs !== undefined && mine === undefined)
      differences.push({ text: `${where} / ${name}: in the capture, not served by the simulator` });
    if (theirs === undefined && mine !== undefined && !partial)
      differences.push({ text: `${where} / ${name}: served by the simulator, absent from the capture` });
    // why: a page published without its `# TYPE` lines (the 2026 T4 page) parses as untyped and says nothing about the TYPE.
    if (theirs !== undefined && mine !== undefined && theirs.type !== "untyped" && theirs.type !== mine.type)
      differences.push({ text: `${where} / ${name}: TYPE ${theirs.type} in the capture, ${mine.type} served` });
  }
  // why: label names are compared on the families both pages have; a family one page lacks is a difference of its own above.
  const onBoth = (family: ExpositionFamily) =>
    catalog.some((known) => known.name === family.name) && captured.has(family.name) && served.has(family.name);
  const namesOf = (families: readonly ExpositionFamily[]) => [...new Set(families.filter(onBoth).flatMap(labelNames))].sort();
  const theirLabels = namesOf(real);
  const myLabels = namesOf(simulated);
  if (!sameList(theirLabels, myLabels)) {
    const onlyTheirs = theirLabels.filter((name) => !myLabels.includes(name));
    const onlyMine = myLabels.filter((name) => !theirLabels.includes(name));
    differences.push({ text: `${where} / label names differ (capture: ${onlyTheirs.join(", ")}; simulator: ${onlyMine.join(", ")})` });
  }
  return differences;
}

function unexplained(differences: readonly Difference[]): string[] {
  return differences.map((difference) => difference.text).filter((text) => ALLOWED[text] === undefined);
}

async function page(url: string): Promise<ExpositionFamily[]> {
  const response = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(10_000) });
  return [...parseExposition(await response.text()).families];
}

describe("the simulator against real captures", () => {
  const simulators: RunningSimulator[] = [];
  const differences: Difference[] = [];

  before(async () => {
    // why: one engine and the capture's default features (no spec decode, no LoRA), as the 0.28 server ran. Its token
    // histograms end at 10000, so its --max-model-len lay in [10000, 20000): 16384 gives the same 1-2-5 buckets.
    simulators.push(
      await startSimulator({
        metricsVersion: "current",
        engines: 1,
        load: "steady",
        seed: 17,
        maxModelLen: 16384,
        gpuPort: 0,
        gpus: 1,
        gpuFields: "defaults",
      }),
    );
    simulators.push(
      await startSimulator({
        metricsVersion: "current",
        engines: 1,
        load: "steady",
        seed: 17,
        gpuPort: 0,
        gpus: 1,
        gpuFormat: "nvidia-smi",
      }),
    );
    // why: the 2026-03 page's token histograms end at 5000, so its --max-model-len lay in [5000, 10000).
    simulators.push(await startSimulator({ metricsVersion: "current", engines: 1, load: "steady", seed: 17, maxModelLen: 8192 }));
    simulators.push(await startSimulator({ metricsVersion: "0.10", engines: 1, load: "steady", seed: 17 }));
    simulators.push(await startSimulator({ metricsVersion: "0.6", engines: 1, load: "steady", seed: 17 }));
  });

  after(async () => {
    await Promise.all(simulators.map((simulator) => simulator.close()));
    if (differences.length > 0)
      console.log(
        `differences (allowed ones marked):\n${differences.map((d) => `${ALLOWED[d.text] === undefined ? "  ✗" : "  ✓"} ${d.text}`).join("\n")}`,
      );
  });

  test("serves vLLM 0.28's families, TYPEs, label names, enumerated label values and buckets at --metrics-version current", async () => {
    const real = parseExposition(await readCapture("vllm/vllm-0.28-qwen38-live.prom")).families;
    const found = vllmDifferences("vllm 0.28", real, await page(simulators[0]!.urls[0]!));
    differences.push(...found);
    assert.deepEqual(unexplained(found), []);
  });

  test("serves vLLM 0.30's gauges and counters with the same TYPEs, label names and enumerated label values at --metrics-version current", async () => {
    const real = parseExposition(await readCapture("vllm/vllm-0.30-qwen38-before.prom")).families;
    const found = vllmDifferences("vllm 0.30", real, await page(simulators[0]!.urls[0]!), true);
    differences.push(...found);
    assert.deepEqual(unexplained(found), []);
  });

  test("serves dcgm-exporter's default counters with their TYPEs and labels, as a real Tesla T4 page has them", async () => {
    const real = parseExposition(await readCapture("dcgm/dcgm-exporter-tesla-t4-460.106.00.prom")).families;
    const found = gpuDifferences("dcgm T4", Object.values(dcgm), real, await page(simulators[0]!.gpuUrl!));
    differences.push(...found);
    assert.deepEqual(unexplained(found), []);
  });

  for (const capture of GPU_OPERATOR_CAPTURES) {
    test(`serves the GPU Operator's dcgm-exporter fields with their TYPEs and labels, as a real ${capture.where.slice(5)} page has them`, async () => {
      const real = parseExposition(await readCapture(capture.file)).families;
      const found = gpuDifferences(capture.where, Object.values(dcgm), real, await page(simulators[0]!.gpuUrl!));
      differences.push(...found);
      assert.deepEqual(unexplained(found), []);
    });
  }

  test("serves the idle vLLM V1 page of 2026-03's families, TYPEs, label names, enumerated label values and buckets at --metrics-version current", async () => {
    const real = parseExposition(await readCapture("vllm/vllm-v1-2026-03-qwen25-05b-idle.prom")).families;
    const found = vllmDifferences("vllm 2026-03", real, await page(simulators[2]!.urls[0]!));
    differences.push(...found);
    assert.deepEqual(unexplained(found), []);
  });

  test("serves the families, TYPEs and label names of a real vLLM 0.10.0 page fragment (GLM-4.5, engine label, deprecated gpu_prefix_cache_* beside prefix_cache_*) at --metrics-version 0.10", async () => {
    const real = parseExposition(await readCapture("vllm/vllm-0.10.0-glm45-fragment.prom")).families;
    const found = vllmDifferences("vllm 0.10.0", real, await page(simulators[3]!.urls[0]!), true);
    differences.push(...found);
    assert.deepEqual(unexplained(found), []);
  });

  test("serves the gauges and counters of a real vLLM V0 page (0.6.x line, swapped requests, CPU cache, throughput gauges) at --metrics-version 0.6", async () => {
    const real = parseExposition(await readCapture("vllm/vllm-v0-fork-llama2-7b-startup.prom")).families;
    // why: the page was read from the server's multiprocess registry at startup, so families with no sample yet (histograms, request_success) are absent.
    const found = vllmDifferences("vllm V0 fork", real, await page(simulators[4]!.urls[0]!), true);
    differences.push(...found);
    assert.deepEqual(unexplained(found), []);
  });

  test("serves GR_ENGINE_ACTIVE with its TYPE as a real MIG-partitioned H100 page has it, the MIG labels explained", async () => {
    const real = parseExposition(await readCapture("dcgm/dcgm-exporter-h100-mig-535.129.03-fragment.prom")).families;
    const found = gpuDifferences("dcgm H100 MIG", Object.values(dcgm), real, await page(simulators[0]!.gpuUrl!), true);
    differences.push(...found);
    assert.deepEqual(unexplained(found), []);
  });

  test("serves nvidia_gpu_exporter's families with their TYPEs and labels, as a real H200 page has them", async () => {
    const real = parseExposition(await readCapture("nvidia-smi/linux-x86_64__nvidia-h200__590.48.01__load.metrics")).families;
    // why: until an Xid is injected the simulator writes no Xid family either; inject one to compare it too.
    simulators[1]!.gpuFaults!.xid(0, 79);
    const found = gpuDifferences("nvidia-smi H200", Object.values(nvidiaSmi), real, await page(simulators[1]!.gpuUrl!));
    differences.push(...found);
    assert.deepEqual(unexplained(found), []);
  });

  for (const capture of [
    { where: "nvidia-smi L40S", file: "nvidia-smi/linux-x86_64__nvidia-l40s__595.80__load.metrics" },
    { where: "nvidia-smi H100 MIG", file: "nvidia-smi/linux-x86_64__nvidia-h100-mig__590.48.01__load.metrics" },
  ]) {
    test(`serves nvidia_gpu_exporter's families with their TYPEs and labels, as a real ${capture.where.slice(11)} page has them`, async () => {
      const real = parseExposition(await readCapture(capture.file)).families;
      const found = gpuDifferences(capture.where, Object.values(nvidiaSmi), real, await page(simulators[1]!.gpuUrl!));
      differences.push(...found);
      assert.deepEqual(unexplained(found), []);
    });
  }

  test("writes the GPU page in the units real exporters use: MiB, W and °C for dcgm-exporter, bytes, Hz and ratios for nvidia-smi", async () => {
    const value = (families: readonly ExpositionFamily[], name: string) =>
      families.find((family) => family.name === name)?.samples[0]?.value;
    const dcgmPage = await page(simulators[0]!.gpuUrl!);
    const smiPage = await page(simulators[1]!.gpuUrl!);
    const smiReal = parseExposition(await readCapture("nvidia-smi/linux-x86_64__nvidia-h200__590.48.01__load.metrics")).families;
    // The H200 this simulator models, as nvidia-smi read it (test/fixtures/real/gpu-samples): 143771 MiB in total.
    const csv = await readFile(join(REAL_ROOT, "gpu-samples", "gpu-load.csv"), "utf8");
    const totalMib = Number(csv.split("\n")[1]!.split(",")[8]);
    assert.equal(totalMib, 143771);
    const fbTotalMib =
      value(dcgmPage, dcgm.fbUsed.name)! + value(dcgmPage, dcgm.fbFree.name)! + (value(dcgmPage, dcgm.fbReserved.name) ?? 0);
    assert.ok(Math.abs(fbTotalMib - totalMib) <= 1, `FB_USED + FB_FREE + FB_RESERVED = ${fbTotalMib} MiB, nvidia-smi says ${totalMib} MiB`);
    assert.ok(value(dcgmPage, dcgm.powerUsage.name)! > 50 && value(dcgmPage, dcgm.powerUsage.name)! <= 700, "power in W");
    assert.ok(value(dcgmPage, dcgm.gpuTemp.name)! > 20 && value(dcgmPage, dcgm.gpuTemp.name)! < 100, "temperature in °C");
    // nvidia_gpu_exporter: the same magnitudes as the real H200 page, family by family.
    for (const family of [nvidiaSmi.memoryTotalBytes, nvidiaSmi.clocksCurrentSmHz, nvidiaSmi.powerLimitWatts]) {
      const ratio = value(smiPage, family.name)! / value(smiReal, family.name)!;
      assert.ok(ratio > 0.5 && ratio < 2, `${family.name}: simulator ${value(smiPage, family.name)}, real ${value(smiReal, family.name)}`);
    }
    assert.ok(value(smiPage, nvidiaSmi.utilizationGpuRatio.name)! <= 1, "utilization as a ratio");
  });
});
