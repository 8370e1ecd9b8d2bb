/**
 * The one client of Prometheus's HTTP API the project uses (status, doctor, reload): node's fetch,
 * bounded by a timeout, answers validated by zod. Never throws for an unreachable Prometheus:
 * callers get `reachable: false` and the reason, to print.
 */
import { z } from "zod";
import { parseExposition, type ExpositionSample } from "../exposition/index.js";
import { limitAdviceByTarget } from "./limits.js";

const targetsResponse = z.object({
  status: z.literal("success"),
  data: z.object({
    activeTargets: z.array(
      z.object({
        labels: z.record(z.string(), z.string()),
        scrapePool: z.string(),
        scrapeUrl: z.string(),
        lastError: z.string(),
        lastScrape: z.string(),
        health: z.string(),
        // Prometheus 2.27+; absent in older ones.
        scrapeInterval: z.string().optional(),
      }),
    ),
  }),
});

export interface ScrapeTarget {
  readonly job: string;
  readonly instance: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly scrapeUrl: string;
  /** `up`, `down` or `unknown` (not scraped yet). */
  readonly health: string;
  readonly lastError: string;
  readonly lastScrape: string;
  /** Its job's scrape interval, e.g. `5s`, when Prometheus says. */
  readonly scrapeInterval?: string;
  /** When a scrape limit refused the target: what it sent, the limit, and the variable to raise. */
  readonly limitAdvice?: string;
}

export type Answer<T> = { readonly reachable: true; readonly value: T } | { readonly reachable: false; readonly reason: string };

function endpoint(baseUrl: string, path: string): URL | undefined {
  try {
    return new URL(path, baseUrl.endsWith("/") ? baseUrl : `${baseUrl}/`);
  } catch {
    return undefined;
  }
}

function describeFailure(url: URL, error: unknown): string {
  const cause =
    error instanceof Error && error.cause instanceof Error ? error.cause.message : error instanceof Error ? error.message : String(error);
  return `${url.origin} did not answer (${cause})`;
}

/** Every active scrape target with its health and last error, sorted by job then instance. */
export async function fetchScrapeTargets(baseUrl: string, timeoutMs = 5_000): Promise<Answer<ScrapeTarget[]>> {
  const url = endpoint(baseUrl, "api/v1/targets?state=active");
  if (url === undefined) return { reachable: false, reason: `"${baseUrl}" is not a URL` };
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    if (!response.ok) {
      await response.arrayBuffer();
      return { reachable: false, reason: `${url.origin} answered HTTP ${response.status} on ${url.pathname}` };
    }
    const body = targetsResponse.parse(await response.json());
    const targets = body.data.activeTargets
      .map((target) => ({
        job: target.labels.job ?? target.scrapePool,
        instance: target.labels.instance ?? "",
        labels: target.labels,
        scrapeUrl: target.scrapeUrl,
        health: target.health,
        lastError: target.lastError,
        lastScrape: target.lastScrape,
        ...(target.scrapeInterval === undefined ? {} : { scrapeInterval: target.scrapeInterval }),
      }))
      .sort((a, b) => a.job.localeCompare(b.job) || a.instance.localeCompare(b.instance));
    const advice = await limitAdviceByTarget(baseUrl, targets, timeoutMs);
    return {
      reachable: true,
      value: targets.map((target) => ({
        ...target,
        ...(advice.has(`${target.job} ${target.instance}`) ? { limitAdvice: advice.get(`${target.job} ${target.instance}`) } : {}),
      })),
    };
  } catch (error) {
    return { reachable: false, reason: describeFailure(url, error) };
  }
}

const runtimeInfoResponse = z.object({ status: z.literal("success"), data: z.object({ lastConfigTime: z.string() }) });

/** When Prometheus last loaded its configuration (start or reload), to the second. */
export async function fetchLastConfigTime(baseUrl: string, timeoutMs = 5_000): Promise<Answer<string>> {
  const url = endpoint(baseUrl, "api/v1/status/runtimeinfo");
  if (url === undefined) return { reachable: false, reason: `"${baseUrl}" is not a URL` };
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    if (!response.ok) {
      await response.arrayBuffer();
      return { reachable: false, reason: `${url.origin} answered HTTP ${response.status} on ${url.pathname}` };
    }
    return { reachable: true, value: runtimeInfoResponse.parse(await response.json()).data.lastConfigTime };
  } catch (error) {
    return { reachable: false, reason: describeFailure(url, error) };
  }
}

/**
 * Asks Prometheus to re-read its configuration, rules and file_sd files (`POST /-/reload`, needs
 * `--web.enable-lifecycle`). Prometheus answers 500 with its parse error when the new config is bad.
 */
export async function reloadPrometheus(baseUrl: string, timeoutMs = 30_000): Promise<Answer<void>> {
  const url = endpoint(baseUrl, "-/reload");
  if (url === undefined) return { reachable: false, reason: `"${baseUrl}" is not a URL` };
  try {
    const response = await fetch(url, { method: "POST", signal: AbortSignal.timeout(timeoutMs) });
    const text = (await response.text()).trim();
    if (!response.ok) return { reachable: false, reason: `Prometheus refused the new configuration (HTTP ${response.status}): ${text}` };
    return { reachable: true, value: undefined };
  } catch (error) {
    return { reachable: false, reason: describeFailure(url, error) };
  }
}

/** One remote-write queue as Prometheus's own metrics describe it (`prometheus_remote_storage_*`). */
export interface RemoteWriteQueue {
  readonly url: string;
  readonly remoteName: string;
  /** Samples Prometheus tried to send, the rejected ones included. */
  readonly samplesTotal: number;
  /** Rejected by the receiver (HTTP 4xx other than 429): dropped, never retried. */
  readonly samplesFailed: number;
  /** Sends that failed with a recoverable error (unreachable, 5xx, 429) and were tried again. */
  readonly samplesRetried: number;
  readonly samplesDropped: number;
  /** Read from the write-ahead log, not yet sent. */
  readonly samplesPending: number;
  /** Seconds between the newest sample scraped and the newest one this queue sent; undefined before its first send. */
  readonly lagSeconds: number | undefined;
}

const REMOTE_STORAGE = "prometheus_remote_storage_";

/**
 * The remote-write queues of a Prometheus (server or agent), from its own `/metrics`: an agent has
 * no query API, and these counters are what its queue manager keeps.
 */
export async function fetchRemoteWriteQueues(baseUrl: string, timeoutMs = 5_000): Promise<Answer<RemoteWriteQueue[]>> {
  const url = endpoint(baseUrl, "metrics");
  if (url === undefined) return { reachable: false, reason: `"${baseUrl}" is not a URL` };
  let text: string;
  let contentType: string;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    text = await response.text();
    contentType = response.headers.get("content-type") ?? "";
    if (!response.ok) return { reachable: false, reason: `${url.origin} answered HTTP ${response.status} on ${url.pathname}` };
  } catch (error) {
    return { reachable: false, reason: describeFailure(url, error) };
  }
  let samples: ExpositionSample[];
  try {
    samples = parseExposition(text, { contentType })
      .families.flatMap((family) => family.samples)
      .filter((sample) => sample.name.startsWith(REMOTE_STORAGE));
  } catch (error) {
    return { reachable: false, reason: `${url.origin}${url.pathname} is not a metrics page (${(error as Error).message})` };
  }
  const global = (name: string): number | undefined =>
    samples.find((sample) => sample.name === REMOTE_STORAGE + name && sample.labels.url === undefined)?.value;
  const newestScraped = global("highest_timestamp_in_seconds");
  const queues = new Map<string, { url: string; remoteName: string; values: Map<string, number> }>();
  for (const sample of samples) {
    const { url: queueUrl, remote_name: remoteName } = sample.labels;
    if (queueUrl === undefined || remoteName === undefined) continue;
    const key = `${remoteName} ${queueUrl}`;
    const queue = queues.get(key) ?? { url: queueUrl, remoteName, values: new Map<string, number>() };
    queue.values.set(sample.name.slice(REMOTE_STORAGE.length), sample.value);
    queues.set(key, queue);
  }
  const value = [...queues.values()].map((queue): RemoteWriteQueue => {
    const get = (name: string): number => queue.values.get(name) ?? 0;
    const newestSent = get("queue_highest_sent_timestamp_seconds");
    return {
      url: queue.url,
      remoteName: queue.remoteName,
      samplesTotal: get("samples_total"),
      samplesFailed: get("samples_failed_total"),
      samplesRetried: get("samples_retried_total"),
      samplesDropped: get("samples_dropped_total"),
      samplesPending: get("samples_pending"),
      lagSeconds: newestSent > 0 && newestScraped !== undefined ? Math.max(0, newestScraped - newestSent) : undefined,
    };
  });
  return { reachable: true, value };
}
