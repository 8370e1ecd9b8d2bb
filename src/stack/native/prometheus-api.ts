/** The few Prometheus HTTP API calls the native stack needs: scrape target health, for `status`. */
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

export interface ScrapeTargetHealth {
  readonly job: string;
  readonly instance: string;
  /** `up`, `down` or `unknown` (not scraped yet). */
  readonly health: string;
  readonly lastError: string;
  readonly scrapeUrl: string;
}

/** Every active scrape target with its health, sorted by job then instance. */
export async function fetchScrapeTargets(prometheusUrl: string): Promise<ScrapeTargetHealth[]> {
  const response = await fetch(`${prometheusUrl}/api/v1/targets?state=active`, { signal: AbortSignal.timeout(5_000) });
  if (!response.ok) throw new Error(`Prometheus answered ${response.status} on /api/v1/targets`);
  const body = targetsResponse.parse(await response.json());
  return body.data.activeTargets
    .map((target) => ({
      job: target.labels.job ?? target.scrapePool,
      instance: target.labels.instance ?? "",
      health: target.health,
      lastError: target.lastError,
      scrapeUrl: target.scrapeUrl,
    }))
    .sort((a, b) => a.job.localeCompare(b.job) || a.instance.localeCompare(b.instance));
}
