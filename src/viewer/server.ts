/**
 * The built-in viewer: serves the Perses page bundled at build time (dist/viewer-page), the
 * dashboards and the Prometheus data source as Perses JSON, and a proxy to one Prometheus that
 * forwards only read-only queries. Listens on 127.0.0.1 only.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import type { Secret } from "../config/secret.js";
import type { PersesDashboardFile } from "../mixin/perses/index.js";
import { PROXY_PREFIX, proxyDecision } from "./proxy.js";

/** The page built by scripts/build-viewer.mjs; two levels up from both src/viewer and dist/viewer. */
export const PAGE_DIR = fileURLToPath(new URL("../../dist/viewer-page/", import.meta.url));

export const VIEWER_HOST = "127.0.0.1";

export interface ViewerOptions {
  /** The Prometheus (or compatible API) every query goes to. */
  readonly prometheusUrl: string;
  readonly bearerToken?: Secret;
  readonly dashboards: readonly PersesDashboardFile[];
  /** 0 picks a free port. */
  readonly port: number;
  readonly pageDir?: string;
  /** The upstream's answer may take this long. */
  readonly timeoutMs?: number;
  /**
   * How often that Prometheus scrapes (a Prometheus duration). Perses derives each query's minimum
   * step and `$__rate_interval` from it; without it Perses assumes 1m.
   */
  readonly scrapeInterval?: string;
}

export interface RunningViewer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".woff": "font/woff",
  ".woff2": "font/woff2",
  ".svg": "image/svg+xml",
  ".png": "image/png",
};

function send(response: ServerResponse, status: number, body: string, contentType = "text/plain; charset=utf-8"): void {
  response.writeHead(status, { "content-type": contentType, "cache-control": "no-store", "x-content-type-options": "nosniff" });
  response.end(body);
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function proxy(
  request: IncomingMessage,
  response: ServerResponse,
  path: string,
  search: string,
  options: ViewerOptions,
): Promise<void> {
  const decision = proxyDecision(request.method ?? "GET", path);
  if (!decision.forward) {
    send(response, decision.status, `${decision.reason}\n`);
    return;
  }
  const base = options.prometheusUrl.endsWith("/") ? options.prometheusUrl : `${options.prometheusUrl}/`;
  const target = new URL(decision.upstreamPath.slice(1) + search, base);
  const headers: Record<string, string> = { accept: "application/json" };
  const contentType = request.headers["content-type"];
  if (typeof contentType === "string") headers["content-type"] = contentType;
  if (options.bearerToken !== undefined) headers.authorization = `Bearer ${options.bearerToken.reveal()}`;
  try {
    const body = request.method === "POST" ? new Uint8Array(await readBody(request)) : undefined;
    const upstream = await fetch(target, {
      method: request.method ?? "GET",
      headers,
      ...(body === undefined ? {} : { body }),
      redirect: "manual",
      signal: AbortSignal.timeout(options.timeoutMs ?? 60_000),
    });
    const answer = Buffer.from(await upstream.arrayBuffer());
    response.writeHead(upstream.status, {
      "content-type": upstream.headers.get("content-type") ?? "application/json",
      "cache-control": "no-store",
    });
    response.end(answer);
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error);
    send(response, 502, `Prometheus at ${target.origin} did not answer (${cause})\n`);
  }
}

/** The page's one data source: this server's read-only proxy, with the upstream's scrape interval when known. */
export function prometheusDatasource(scrapeInterval: string | undefined): object {
  const spec = { directUrl: PROXY_PREFIX, ...(scrapeInterval === undefined ? {} : { scrapeInterval }) };
  return {
    kind: "GlobalDatasource",
    metadata: { name: "prometheus" },
    spec: { default: true, plugin: { kind: "PrometheusDatasource", spec } },
  };
}

/** A strong ETag from a file's size and modification time: the page changes only when rebuilt. */
function fileEtag(size: number, modifiedMs: number): string {
  return `"${createHash("sha256").update(`${size}:${modifiedMs}`).digest("base64url").slice(0, 22)}"`;
}

function matchesEtag(request: IncomingMessage, etag: string): boolean {
  const header = request.headers["if-none-match"];
  if (header === undefined) return false;
  return header
    .split(",")
    .map((tag) => tag.trim().replace(/^W\//, ""))
    .some((tag) => tag === etag || tag === "*");
}

async function servePage(request: IncomingMessage, response: ServerResponse, pageDir: string, path: string): Promise<void> {
  // why: every route of the page (/, /projects/…/dashboards/…) is the same index.html; files are looked up under pageDir only.
  const relative = normalize(path).replace(/^(\.\.[/\\])+/, "");
  const file = relative === "/" || !extname(relative) ? join(pageDir, "index.html") : join(pageDir, relative);
  if (!file.startsWith(pageDir)) {
    send(response, 404, "not found\n");
    return;
  }
  let etag: string;
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new Error("not a file");
    etag = fileEtag(info.size, info.mtimeMs);
  } catch {
    const missingPage = file.endsWith("index.html");
    send(response, 404, missingPage ? `The viewer page is not built (no ${file}): run npm run build.\n` : "not found\n");
    return;
  }
  // why: the page script is about 12 MB; with no-cache plus an ETag a reload asks, and gets a 304 with no body.
  const headers = { etag, "cache-control": "no-cache", "x-content-type-options": "nosniff" };
  if (matchesEtag(request, etag)) {
    response.writeHead(304, headers);
    response.end();
    return;
  }
  response.writeHead(200, { ...headers, "content-type": CONTENT_TYPES[extname(file)] ?? "application/octet-stream" });
  if (request.method === "HEAD") response.end();
  else createReadStream(file).pipe(response);
}

function handler(options: ViewerOptions, dashboardsJson: string, datasourcesJson: string) {
  const pageDir = options.pageDir ?? PAGE_DIR;
  return (request: IncomingMessage, response: ServerResponse): void => {
    const url = new URL(request.url ?? "/", "http://viewer.invalid");
    const path = decodeURIComponent(url.pathname);
    const done = (promise: Promise<void>) => promise.catch((error: unknown) => send(response, 500, `${String(error)}\n`));
    if (path === PROXY_PREFIX || path.startsWith(`${PROXY_PREFIX}/`)) {
      done(proxy(request, response, path.slice(PROXY_PREFIX.length), url.search, options));
      return;
    }
    if (request.method !== "GET" && request.method !== "HEAD") {
      send(response, 405, "the viewer only serves GET\n");
      return;
    }
    if (path === "/api/dashboards") {
      send(response, 200, dashboardsJson, "application/json");
      return;
    }
    if (path === "/api/datasources") {
      send(response, 200, datasourcesJson, "application/json");
      return;
    }
    if (path.startsWith("/api/")) {
      send(response, 404, "not found\n");
      return;
    }
    done(servePage(request, response, pageDir, path));
  };
}

/** Starts the viewer on 127.0.0.1:`port`. */
export async function startViewer(options: ViewerOptions): Promise<RunningViewer> {
  const dashboardsJson = JSON.stringify(options.dashboards.map((file) => file.dashboard));
  const datasourcesJson = JSON.stringify([prometheusDatasource(options.scrapeInterval)]);
  const server: Server = createServer(handler(options, dashboardsJson, datasourcesJson));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, VIEWER_HOST, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${VIEWER_HOST}:${port}/`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
