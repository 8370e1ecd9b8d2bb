import type { DoctorTarget, PrometheusTargetHealth } from "./types.js";

export type PrometheusTargets =
  | { readonly reachable: true; readonly targets: readonly PrometheusTargetHealth[] }
  | { readonly reachable: false; readonly reason: string };

/** Reads Prometheus's active scrape targets (`/api/v1/targets`), with their health and last error. */
export async function fetchPrometheusTargets(baseUrl: string, timeoutMs: number): Promise<PrometheusTargets> {
  let url: URL;
  try {
    url = new URL("api/v1/targets?state=active", baseUrl.endsWith("/") ? baseUrl : `${baseUrl}/`);
  } catch {
    return { reachable: false, reason: `"${baseUrl}" is not a URL` };
  }
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    if (!response.ok) {
      await response.arrayBuffer();
      return { reachable: false, reason: `${url.origin} answered HTTP ${response.status}` };
    }
    const body: unknown = await response.json();
    return { reachable: true, targets: activeTargets(body) };
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : error instanceof Error ? error.message : String(error);
    return { reachable: false, reason: `${url.origin} did not answer (${cause})` };
  }
}

function activeTargets(body: unknown): PrometheusTargetHealth[] {
  const data = isRecord(body) && isRecord(body.data) ? body.data : {};
  const targets = Array.isArray(data.activeTargets) ? data.activeTargets : [];
  return targets.filter(isRecord).map((target) => ({
    scrapeUrl: typeof target.scrapeUrl === "string" ? target.scrapeUrl : "",
    health: typeof target.health === "string" ? target.health : "unknown",
    lastError: typeof target.lastError === "string" ? target.lastError : "",
    ...(typeof target.lastScrape === "string" ? { lastScrape: target.lastScrape } : {}),
  }));
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]", "::1"]);

/**
 * The Prometheus target that scrapes `target`: same scheme, port and path, and the same host
 * (loopback names count as one host, since doctor and Prometheus may spell it differently).
 */
export function findPrometheusTarget(targets: readonly PrometheusTargetHealth[], target: DoctorTarget): PrometheusTargetHealth | undefined {
  const wanted = new URL(`${target.scheme}://${target.address}${target.metricsPath}`);
  const sameHost = (a: string, b: string) => a === b || (LOOPBACK.has(a) && LOOPBACK.has(b));
  return targets.find((candidate) => {
    let url: URL;
    try {
      url = new URL(candidate.scrapeUrl);
    } catch {
      return false;
    }
    return (
      url.protocol === wanted.protocol && portOf(url) === portOf(wanted) && url.pathname === wanted.pathname && sameHost(url.hostname, wanted.hostname)
    );
  });
}

function portOf(url: URL): string {
  return url.port !== "" ? url.port : url.protocol === "https:" ? "443" : "80";
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
