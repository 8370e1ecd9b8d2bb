/**
 * Writes a day of vLLM and dcgm-exporter samples for N instances as OpenMetrics text, for
 * `promtool tsdb create-blocks-from openmetrics`. Only the families the dashboards read are
 * written: query cost depends on the series a query touches, not on the rest of the TSDB.
 */
import { createWriteStream } from "node:fs";
import { once } from "node:events";
import { dcgm, metricsVersionSpec, vllm, type MetricFamily } from "../src/catalog/index.js";

const MAX_MODEL_LEN = 8192;
const MODELS = ["llama-3-8b", "qwen-2-7b"];

/** Share of observations at or below each edge, from a log-normal with this median and spread. */
function logNormalCdf(edges: readonly number[], median: number, sigma: number): number[] {
  const erf = (x: number) => {
    const t = 1 / (1 + 0.3275911 * Math.abs(x));
    const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
    return x >= 0 ? y : -y;
  };
  return edges.map((edge) => 0.5 * (1 + erf(Math.log(edge / median) / (sigma * Math.SQRT2))));
}

interface HistogramShape {
  readonly family: MetricFamily;
  readonly median: number;
  readonly sigma: number;
}

function labelText(labels: Record<string, string>): string {
  return `{${Object.entries(labels)
    .map(([name, value]) => `${name}="${value}"`)
    .join(",")}}`;
}

export interface HistoryOptions {
  readonly instances: number;
  readonly startSeconds: number;
  readonly endSeconds: number;
  readonly stepSeconds: number;
  readonly file: string;
}

/** Returns the number of series written. */
export async function writeSyntheticHistory(options: HistoryOptions): Promise<number> {
  const spec = metricsVersionSpec("current", { maxModelLen: MAX_MODEL_LEN });
  const bucketsOf = (family: MetricFamily) => spec.families.find((item) => item.family.name === family.name)?.family.buckets ?? family.buckets ?? [];
  const histograms: HistogramShape[] = [
    { family: vllm.timeToFirstToken, median: 0.08, sigma: 1.0 },
    { family: vllm.interTokenLatency, median: 0.03, sigma: 0.5 },
    { family: vllm.requestTimePerOutputToken, median: 0.035, sigma: 0.4 },
    { family: vllm.e2eRequestLatency, median: 4, sigma: 0.8 },
    { family: vllm.requestQueueTime, median: 0.05, sigma: 1.5 },
    { family: vllm.requestPromptTokens, median: 320, sigma: 0.9 },
    { family: vllm.requestGenerationTokens, median: 140, sigma: 0.8 },
  ];
  const out = createWriteStream(options.file);
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, "drain");
  };
  const state = new Map<string, number>();
  const add = (key: string, delta: number) => {
    const value = (state.get(key) ?? 0) + delta;
    state.set(key, value);
    return value;
  };
  let series = 0;
  for (let time = options.startSeconds, step = 0; time <= options.endSeconds; time += options.stepSeconds, step += 1) {
    const lines: string[] = [];
    for (let index = 0; index < options.instances; index += 1) {
      const target = { job: "vllm", instance: `sim-${index}:8000` };
      const labels = { ...target, model_name: MODELS[index % MODELS.length]!, engine: "0" };
      // why: a daily wave plus per-instance phase, so quantiles and rates move.
      const load = 1 + 0.5 * Math.sin((2 * Math.PI * time) / 86_400 + index);
      const requests = Math.round(3 * options.stepSeconds * load);
      const sample = (name: string, extra: Record<string, string>, value: number) => lines.push(`${name}${labelText({ ...labels, ...extra })} ${value} ${time}`);
      for (const shape of histograms) {
        const edges = bucketsOf(shape.family);
        const cdf = logNormalCdf(edges, shape.median * (0.8 + 0.4 * load), shape.sigma);
        edges.forEach((edge, bucket) => sample(`${shape.family.name}_bucket`, { le: String(edge) }, add(`${shape.family.name}${index}${edge}`, Math.round(requests * cdf[bucket]!))));
        sample(`${shape.family.name}_bucket`, { le: "+Inf" }, add(`${shape.family.name}${index}inf`, requests));
        sample(`${shape.family.name}_count`, {}, add(`${shape.family.name}${index}count`, requests));
        sample(`${shape.family.name}_sum`, {}, add(`${shape.family.name}${index}sum`, requests * shape.median));
      }
      const reasons: Record<string, number> = { stop: 0.85, length: 0.12, abort: 0.02, error: 0.01, repetition: 0 };
      for (const [reason, share] of Object.entries(reasons)) sample(vllm.requestSuccess.name, { finished_reason: reason }, add(`success${index}${reason}`, Math.round(requests * share)));
      sample(vllm.promptTokens.name, {}, add(`prompt${index}`, requests * 320));
      sample(vllm.generationTokens.name, {}, add(`generation${index}`, requests * 140));
      sample(vllm.numPreemptions.name, {}, add(`preempt${index}`, load > 1.4 ? 2 : 0));
      sample(vllm.prefixCacheQueries.name, {}, add(`pq${index}`, requests * 320));
      sample(vllm.prefixCacheHits.name, {}, add(`ph${index}`, requests * 120));
      sample(vllm.numRequestsRunning.name, {}, Math.round(20 * load));
      sample(vllm.numRequestsWaiting.name, {}, Math.max(0, Math.round(10 * (load - 1.2))));
      sample(vllm.kvCacheUsagePerc.name, {}, Math.min(1, 0.45 * load));
      const gpuLabels = { ...target, job: "dcgm", instance: `sim-${index}:9400`, gpu: "0", UUID: `GPU-${index}`, hostname: `gpu-host-${index}` };
      const gpu = (family: MetricFamily, value: number) => lines.push(`${family.name}${labelText(gpuLabels)} ${value} ${time}`);
      gpu(dcgm.gpuUtil, Math.round(60 * load));
      gpu(dcgm.grEngineActive, 0.55 * load);
      gpu(dcgm.fbUsed, 72_000);
      gpu(dcgm.fbFree, 8_000);
      gpu(dcgm.powerUsage, 300 + 150 * load);
      gpu(dcgm.gpuTemp, Math.round(50 + 15 * load));
      gpu(dcgm.smClock, 1980);
    }
    if (step === 0) series = lines.length;
    await write(`${lines.join("\n")}\n`);
  }
  await write("# EOF\n");
  out.end();
  await once(out, "close");
  return series;
}
