import type { ScrapeTarget } from "../prometheus/client.js";
import type { DoctorTarget } from "./types.js";

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]", "::1"]);

/**
 * The Prometheus target that scrapes `target`: same scheme, port and path, and the same host
 * (loopback names count as one host, since doctor and Prometheus may spell it differently).
 */
export function findPrometheusTarget(targets: readonly ScrapeTarget[], target: DoctorTarget): ScrapeTarget | undefined {
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
      url.protocol === wanted.protocol &&
      portOf(url) === portOf(wanted) &&
      url.pathname === wanted.pathname &&
      sameHost(url.hostname, wanted.hostname)
    );
  });
}

function portOf(url: URL): string {
  return url.port !== "" ? url.port : url.protocol === "https:" ? "443" : "80";
}
