/**
 * Why a target is down when a scrape limit refused it: Prometheus's last error says only "sample
 * limit exceeded"; the series count (scrape_samples_scraped) and the job's limit (its loaded
 * config) make it advice a user can act on. Never throws: without them the advice is shorter.
 */
import { z } from "zod";
import { parse as parseYaml } from "yaml";
import { scrape } from "../catalog/index.js";
import { exceededLimit, limitAdvice, type ScrapeLimitKind } from "../config/scrape-limits.js";

const configResponse = z.object({ status: z.literal("success"), data: z.object({ yaml: z.string() }) });
const queryResponse = z.object({
  status: z.literal("success"),
  data: z.object({ result: z.array(z.object({ metric: z.record(z.string(), z.string()), value: z.tuple([z.number(), z.string()]) })) }),
});
const loadedConfig = z.object({ scrape_configs: z.array(z.record(z.string(), z.unknown())).optional() });

interface LimitedTarget {
  readonly job: string;
  readonly instance: string;
  readonly lastError: string;
}

async function getJson(url: URL, timeoutMs: number): Promise<unknown> {
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  if (!response.ok) {
    await response.arrayBuffer();
    throw new Error(`HTTP ${response.status}`);
  }
  return response.json();
}

/** Each job's limits as Prometheus loaded them. */
async function loadedLimits(baseUrl: URL, timeoutMs: number): Promise<Map<string, Record<string, unknown>>> {
  const body = configResponse.parse(await getJson(new URL("api/v1/status/config", baseUrl), timeoutMs));
  const config = loadedConfig.parse(parseYaml(body.data.yaml));
  return new Map((config.scrape_configs ?? []).map((job) => [String(job.job_name), job]));
}

/** Series each target sent at its last scrape, counted even when a limit refused them. */
async function scrapedSeries(baseUrl: URL, timeoutMs: number): Promise<Map<string, number>> {
  const url = new URL("api/v1/query", baseUrl);
  url.searchParams.set("query", scrape.scrapeSamplesScraped.name);
  const body = queryResponse.parse(await getJson(url, timeoutMs));
  return new Map(body.data.result.map((sample) => [`${sample.metric.job ?? ""} ${sample.metric.instance ?? ""}`, Number(sample.value[1])]));
}

/** Advice for every target a limit refused, keyed `job instance`; empty when none was. */
export async function limitAdviceByTarget(
  prometheusUrl: string,
  targets: readonly LimitedTarget[],
  timeoutMs = 5_000,
): Promise<Map<string, string>> {
  const limited = targets.flatMap((target) => {
    const kind = exceededLimit(target.lastError);
    return kind === undefined ? [] : [{ target, kind }];
  });
  const advice = new Map<string, string>();
  if (limited.length === 0) return advice;
  const base = new URL(prometheusUrl.endsWith("/") ? prometheusUrl : `${prometheusUrl}/`);
  const [limits, scraped] = await Promise.all([
    loadedLimits(base, timeoutMs).catch(() => new Map<string, Record<string, unknown>>()),
    // why: an agent has no query API; the advice then goes without the count.
    scrapedSeries(base, timeoutMs).catch(() => new Map<string, number>()),
  ]);
  for (const { target, kind } of limited) {
    const key = `${target.job} ${target.instance}`;
    advice.set(key, limitAdvice(kind, target.job, scraped.get(key), numericLimit(limits.get(target.job), kind)));
  }
  return advice;
}

function numericLimit(job: Record<string, unknown> | undefined, kind: ScrapeLimitKind): number | undefined {
  const value = job?.[kind];
  return typeof value === "number" && value > 0 ? value : undefined;
}
