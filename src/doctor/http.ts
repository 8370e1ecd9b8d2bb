import { request as requestHttp, type IncomingMessage } from "node:http";
import { request as requestHttps } from "node:https";
import { isIP } from "node:net";
import { errorCode, unbracket } from "./network.js";

/** What Prometheus 2.x asks for when it scrapes. */
const SCRAPE_ACCEPT =
  "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
/** Larger bodies are cut: a vLLM page is tens of kB; this guards against a wrong URL serving a file. */
const MAX_BODY_BYTES = 32 * 1024 * 1024;

export interface ScrapeRequest {
  readonly scheme: "http" | "https";
  readonly host: string;
  readonly port: number;
  readonly path: string;
  readonly token?: string;
  readonly caPem?: string;
  readonly insecureSkipVerify: boolean;
  readonly timeoutMs: number;
}

export type ScrapeResponse =
  | {
      readonly ok: true;
      readonly status: number;
      readonly contentType: string;
      readonly location?: string;
      readonly body: string;
    }
  | { readonly ok: false; readonly code: string; readonly message: string };

/** GETs the metrics page as Prometheus would: its Accept header, the bearer token, the CA. */
export async function scrapeOnce(request: ScrapeRequest): Promise<ScrapeResponse> {
  const headers: Record<string, string> = { Accept: SCRAPE_ACCEPT, "User-Agent": "vllm-monitor-doctor" };
  if (request.token !== undefined) headers.Authorization = `Bearer ${request.token}`;
  return exchange({ ...request, method: "GET", headers });
}

export interface ExchangeRequest extends Omit<ScrapeRequest, "token"> {
  readonly method: "GET" | "POST";
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: Uint8Array;
}

/** One HTTP(S) request, bounded by `timeoutMs` as a whole; a failure to connect is a value, never a throw. */
export async function exchange(request: ExchangeRequest): Promise<ScrapeResponse> {
  const host = unbracket(request.host);
  const headers = { ...request.headers, ...(request.body === undefined ? {} : { "Content-Length": String(request.body.length) }) };
  const common = { host, port: request.port, path: request.path, method: request.method, headers, timeout: request.timeoutMs };
  return new Promise((resolve) => {
    const onResponse = (response: IncomingMessage): void => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size <= MAX_BODY_BYTES) chunks.push(chunk);
      });
      response.once("end", () => {
        clearTimeout(timer);
        resolve({
          ok: true,
          status: response.statusCode ?? 0,
          contentType: response.headers["content-type"] ?? "",
          ...(response.headers.location !== undefined ? { location: response.headers.location } : {}),
          body: Buffer.concat(chunks).toString("utf8"),
        });
      });
      response.once("error", (error) => fail(error));
    };
    const client =
      request.scheme === "https"
        ? requestHttps(
            {
              ...common,
              ...(isIP(host) === 0 ? { servername: host } : {}),
              ...(request.caPem !== undefined ? { ca: request.caPem } : {}),
              rejectUnauthorized: !request.insecureSkipVerify,
            },
            onResponse,
          )
        : requestHttp(common, onResponse);
    // why: `timeout` above only covers idle sockets; this bounds the whole exchange.
    const timer = setTimeout(() => {
      client.destroy(Object.assign(new Error(`no complete answer within ${request.timeoutMs} ms`), { code: "ETIMEDOUT" }));
    }, request.timeoutMs);
    function fail(error: Error): void {
      clearTimeout(timer);
      resolve({ ok: false, code: errorCode(error), message: error.message });
    }
    client.once("timeout", () =>
      client.destroy(Object.assign(new Error(`no answer within ${request.timeoutMs} ms`), { code: "ETIMEDOUT" })),
    );
    client.once("error", fail);
    client.end(request.body === undefined ? undefined : Buffer.from(request.body));
  });
}
