/**
 * The one client of Prometheus's HTTP API the project uses (status, doctor, reload): node's fetch,
 * bounded by a timeout, answers validated by zod. Never throws for an unreachable Prometheus:
 * callers get `reachable: false` and the reason, to print.
 */
import { z } from "zod";

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
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : error instanceof Error ? error.message : String(error);
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
      }))
      .sort((a, b) => a.job.localeCompare(b.job) || a.instance.localeCompare(b.instance));
    return { reachable: true, value: targets };
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
