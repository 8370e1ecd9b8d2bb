/**
 * Prometheus's scrape targets as they are now, not as they were before the last `reload`.
 *
 * Where stale advice came from: on a reload Prometheus keeps each target whose labels did not
 * change, with its old health and last error, and the new scrape loop waits up to one scrape
 * interval (a per-target offset) before its first scrape. So right after a fixing `reload`
 * (say VLLM_METRICS_AUTH_TOKEN added) /api/v1/targets still says "down, 401", and doctor used to
 * advise the reload that was just done. A result older than the configuration Prometheus runs
 * is not evidence: doctor waits (bounded) for a scrape under the new configuration, and says
 * plainly when there has been none yet.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { durationSeconds } from "../promql/duration.js";
import { fetchLastConfigTime, fetchScrapeTargets, type Answer, type ScrapeTarget } from "../prometheus/client.js";
import type { CheckResult } from "./types.js";

export interface FreshTargets {
  readonly targets: Answer<ScrapeTarget[]>;
  /** When Prometheus loaded the configuration it runs; results from before it are stale. */
  readonly configLoadedAt?: string;
}

/** How long doctor waits at most for scrapes under a just-loaded configuration. */
export const DEFAULT_FRESH_SCRAPE_WAIT_MS = 30_000;

const POLL_MS = 500;

/** True when the target's last result predates the configuration Prometheus runs. */
export function isStale(target: Pick<ScrapeTarget, "lastScrape">, configLoadedAt: string | undefined): boolean {
  if (configLoadedAt === undefined) return false;
  // why: lastConfigTime is whole seconds; a scrape in that same second may have come before the reload.
  return Date.parse(target.lastScrape) < Date.parse(configLoadedAt) + 1_000;
}

/**
 * The targets, after waiting until each was scraped under the running configuration: at most
 * its scrape interval plus a second (the new loop's offset is below one interval), and never
 * longer than `maxWaitMs`.
 */
export async function freshScrapeTargets(
  prometheusUrl: string,
  timeoutMs: number,
  maxWaitMs = DEFAULT_FRESH_SCRAPE_WAIT_MS,
): Promise<FreshTargets> {
  const loaded = await fetchLastConfigTime(prometheusUrl, timeoutMs);
  let targets = await fetchScrapeTargets(prometheusUrl, timeoutMs);
  if (!loaded.reachable || !targets.reachable) return { targets };
  const configLoadedAt = loaded.value;
  const stale = (list: readonly ScrapeTarget[]) => list.filter((target) => isStale(target, configLoadedAt));
  const longestInterval = Math.max(0, ...stale(targets.value).map((target) => durationSeconds(target.scrapeInterval ?? "0s")));
  const deadline = Date.now() + Math.min(maxWaitMs, longestInterval * 1_000 + 1_000);
  while (targets.reachable && stale(targets.value).length > 0 && Date.now() < deadline) {
    await sleep(Math.min(POLL_MS, Math.max(0, deadline - Date.now())));
    targets = await fetchScrapeTargets(prometheusUrl, timeoutMs);
  }
  return { targets, configLoadedAt };
}

/** What to say of a target with no result under the running configuration: no old verdict, no advice to reload again. */
export function notScrapedSinceLoad(
  target: Pick<ScrapeTarget, "health" | "lastError" | "scrapeInterval">,
  configLoadedAt: string,
  what: string,
): CheckResult {
  const before =
    target.health === "unknown"
      ? ""
      : ` (its last result, health ${target.health}${target.lastError === "" ? "" : `: ${target.lastError}`}, is from before that)`;
  return {
    check: "prometheus",
    status: "problem",
    message: `${what} has not been scraped since Prometheus loaded its configuration at ${configLoadedAt}${before}`,
    fix: `the configuration is applied; run doctor again after one scrape interval (${target.scrapeInterval ?? "SCRAPE_INTERVAL"}) to see the new result`,
  };
}
