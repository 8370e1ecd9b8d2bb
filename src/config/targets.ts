import { echo } from "../text/echo.js";
import { isIPv6 } from "node:net";

export type Scheme = "http" | "https";

/** vLLM's own default port (`vllm serve --port`), used for a bare `host` in VLLM_TARGET. */
export const VLLM_DEFAULT_PORT = 8000;

/** One item of VLLM_TARGET as written: scheme, port and path only when the item gave them. */
export interface TargetSpec {
  /** Host name, IPv4 address, or bracketed IPv6 address (`[::1]`). */
  readonly host: string;
  readonly port?: number;
  readonly scheme?: Scheme;
  readonly metricsPath?: string;
}

/** A scrape target Prometheus can use as is. */
export interface VllmTarget {
  /** `host:port`, IPv6 in brackets: what Prometheus calls `__address__`. */
  readonly address: string;
  readonly scheme: Scheme;
  readonly metricsPath: string;
}

const HOST_NAME = /^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*$/;
const EXAMPLES = "e.g. vllm-host, vllm-host:8000, [fd00::1]:8000 or https://vllm.example.com/metrics";

/**
 * Parses VLLM_TARGET: comma-separated `host`, `host:port`, `[ipv6]`, `[ipv6]:port` or
 * `http(s)://host[:port][/path]` items. Pure; problems say which item is wrong and why.
 */
export function parseTargetList(value: string): { specs: TargetSpec[]; problems: string[] } {
  const specs: TargetSpec[] = [];
  const problems: string[] = [];
  for (const item of value.split(",").map((part) => part.trim())) {
    if (item === "") continue;
    const parsed = item.includes("://") ? parseUrlItem(item) : parseHostItem(item);
    if (typeof parsed === "string") problems.push(`item "${echo(redactUserInfo(item))}" ${parsed}`);
    else specs.push(parsed);
  }
  return { specs, problems };
}

/** Fills in what an item left out: scheme from SCHEMA, path from VLLM_METRICS_PATH, port by rule (vLLM's 8000 unless `defaults.port`). */
export function resolveTargets(
  specs: readonly TargetSpec[],
  defaults: { scheme: Scheme; metricsPath: string; port?: number },
): VllmTarget[] {
  return specs.map((spec) => {
    const scheme = spec.scheme ?? defaults.scheme;
    // why: a URL without a port means the scheme's port (a gateway); a bare host means the server's own default (vLLM's 8000, an exporter's).
    const port = spec.port ?? (spec.scheme === undefined ? (defaults.port ?? VLLM_DEFAULT_PORT) : spec.scheme === "https" ? 443 : 80);
    return { address: `${spec.host}:${port}`, scheme, metricsPath: spec.metricsPath ?? defaults.metricsPath };
  });
}

/** The same address, scheme and path listed twice would be scraped twice; names each duplicate. */
export function duplicateTargets(targets: readonly VllmTarget[]): string[] {
  const seen = new Set<string>();
  const duplicates: string[] = [];
  for (const target of targets) {
    const key = `${target.scheme}://${target.address}${target.metricsPath}`;
    if (seen.has(key)) duplicates.push(key);
    seen.add(key);
  }
  return duplicates;
}

function parseUrlItem(item: string): TargetSpec | string {
  let url: URL;
  try {
    url = new URL(item);
  } catch {
    return `is not a valid URL (${EXAMPLES})`;
  }
  const scheme = url.protocol.replace(/:$/, "");
  if (scheme !== "http" && scheme !== "https") return `uses the scheme "${scheme}"; only http and https can be scraped`;
  if (url.username !== "" || url.password !== "") {
    return "holds a user name or password; remove it (a vLLM bearer token goes in VLLM_METRICS_AUTH_TOKEN)";
  }
  if (url.search !== "" || url.hash !== "") return "has a ?query or #fragment; give only scheme://host:port/path";
  const host = url.hostname;
  if (host === "" || !(host.startsWith("[") ? isIPv6(host.slice(1, -1)) : HOST_NAME.test(host))) return `has no valid host (${EXAMPLES})`;
  const metricsPath = url.pathname === "/" || url.pathname === "" ? undefined : url.pathname;
  return {
    host,
    scheme,
    ...(url.port === "" ? {} : { port: Number(url.port) }),
    ...(metricsPath === undefined ? {} : { metricsPath }),
  };
}

/** `host`, `host:port`, `[ipv6]` or `[ipv6]:port` (no scheme, no path); a string says what is wrong. */
export function parseHostItem(item: string): TargetSpec | string {
  if (/\s/.test(item)) return "contains whitespace; separate targets with commas";
  if (item.includes("/")) return `has a path but no scheme; write it as a URL such as http://${item}`;
  const bracketed = /^\[([^\]]*)\](?::([^:]*))?$/.exec(item);
  if (bracketed !== null) {
    const address = bracketed[1] ?? "";
    if (!isIPv6(address)) return "has brackets but no valid IPv6 address inside";
    return withPort(`[${address.toLowerCase()}]`, bracketed[2]);
  }
  if (item.split(":").length > 2) return "looks like an IPv6 address; put it in brackets, e.g. [fd00::1]:8000";
  const [host = "", port] = item.split(":");
  if (!HOST_NAME.test(host)) return `has an invalid host name "${host}" (${EXAMPLES})`;
  return withPort(host, port);
}

function withPort(host: string, port: string | undefined): TargetSpec | string {
  if (port === undefined) return { host };
  if (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535)
    return `has an invalid port "${port}"; use a number from 1 to 65535`;
  return { host, port: Number(port) };
}

function redactUserInfo(item: string): string {
  return item.replace(/\/\/[^/@]*@/, "//***@");
}
