/**
 * Doctor's remote-write checks: does REMOTE_WRITE_URL answer, and does it accept our credentials?
 * It sends what Prometheus sends, minus the samples: an empty WriteRequest, snappy-compressed, with
 * the remote-write headers and the configured credentials. And when the stack runs, how its
 * Prometheus's queue is doing (rejected samples, a growing lag).
 */
import { fetchRemoteWriteQueues } from "../prometheus/client.js";
import { queueHealth } from "../prometheus/remote-write-health.js";
import { exchange } from "./http.js";
import type { CheckResult, RemoteWriteProbe } from "./types.js";

// why: an empty protobuf WriteRequest is zero bytes; snappy's block format writes that as one varint 0 (no library for one constant byte).
const EMPTY_WRITE_REQUEST = Uint8Array.of(0);

const CA_FIX = "set REMOTE_WRITE_CA_FILE to the PEM of the CA that signed the endpoint's certificate";
const UNTRUSTED = /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ALTNAME/;

function credentialsName(probe: RemoteWriteProbe): string {
  if (probe.token !== undefined) return "REMOTE_WRITE_BEARER_TOKEN";
  if (probe.username !== undefined) return "REMOTE_WRITE_USERNAME/REMOTE_WRITE_PASSWORD";
  return "no credentials";
}

function headers(probe: RemoteWriteProbe): Record<string, string> {
  const base: Record<string, string> = {
    "Content-Type": "application/x-protobuf",
    "Content-Encoding": "snappy",
    "X-Prometheus-Remote-Write-Version": "0.1.0",
    "User-Agent": "vllm-monitor-doctor",
    ...probe.headers,
  };
  if (probe.token !== undefined) base.Authorization = `Bearer ${probe.token}`;
  else if (probe.username !== undefined)
    base.Authorization = `Basic ${Buffer.from(`${probe.username}:${probe.password ?? ""}`).toString("base64")}`;
  return base;
}

/** POSTs an empty write to REMOTE_WRITE_URL and says whether it answers and takes the credentials. */
export async function checkRemoteWrite(probe: RemoteWriteProbe): Promise<CheckResult> {
  const url = new URL(probe.url);
  const scheme = url.protocol === "https:" ? "https" : "http";
  const port = url.port === "" ? (scheme === "https" ? 443 : 80) : Number(url.port);
  const response = await exchange({
    scheme,
    host: url.hostname,
    port,
    path: `${url.pathname}${url.search}`,
    method: "POST",
    headers: headers(probe),
    body: EMPTY_WRITE_REQUEST,
    ...(probe.caPem === undefined ? {} : { caPem: probe.caPem }),
    insecureSkipVerify: false,
    timeoutMs: probe.timeoutMs,
  });
  const credentials = credentialsName(probe);
  const where = `remote-write endpoint ${probe.url}`;
  if (!response.ok) {
    const fix = UNTRUSTED.test(response.code)
      ? CA_FIX
      : response.code === "ECONNREFUSED"
        ? "start the central store, or correct the host and port in REMOTE_WRITE_URL"
        : response.code === "ENOTFOUND" || response.code === "EAI_AGAIN"
          ? "check the host name in REMOTE_WRITE_URL (`getent hosts HOST` must print an address on this machine)"
          : "check REMOTE_WRITE_URL and that this machine can reach it (firewall, proxy)";
    return { check: "remote-write", status: "problem", message: `${where} does not answer (${response.code}: ${response.message})`, fix };
  }
  const said = response.body.trim().split("\n")[0]?.slice(0, 160) ?? "";
  const detail = said === "" ? "" : `: ${said}`;
  if (response.status >= 200 && response.status < 300) {
    return { check: "remote-write", status: "ok", message: `${where} accepts a write with ${credentials} (HTTP ${response.status})` };
  }
  if (response.status === 401 || response.status === 403) {
    return {
      check: "remote-write",
      status: "problem",
      message: `${where} rejects the credentials (HTTP ${response.status}${detail}; sent: ${credentials})`,
      fix:
        credentials === "no credentials"
          ? "it asks for credentials: set REMOTE_WRITE_BEARER_TOKEN, or REMOTE_WRITE_USERNAME and REMOTE_WRITE_PASSWORD"
          : `check ${credentials} (and the tenant or permissions the receiver gives them)`,
    };
  }
  // why: a receiver at the wrong path may still answer 400 (VictoriaMetrics: "unsupported path"), so only 2xx is success.
  if (response.status === 404 || response.status === 405 || UNSUPPORTED_PATH.test(said)) {
    return {
      check: "remote-write",
      status: "problem",
      message: `${where} answers HTTP ${response.status}: no remote-write receiver at that path${said === "" ? "" : ` (it said: ${said})`}`,
      fix: writePathFix(said, url),
    };
  }
  return {
    check: "remote-write",
    status: "problem",
    message: `${where} answers HTTP ${response.status}${detail}: Prometheus would see every write fail`,
    fix:
      response.status === 429
        ? "the central store is rate-limiting this sender: raise its ingestion limits for this tenant"
        : `the receiver refused a valid (empty) write: check the path (${RECEIVER_PATHS}) and the central store's logs`,
  };
}

const RECEIVER_PATHS = "VictoriaMetrics /api/v1/write, Mimir and Cortex /api/v1/push, Thanos Receive /api/v1/receive";
const UNSUPPORTED_PATH = /unsupported path/i;

/** The path to use: VictoriaMetrics names itself by its "unsupported path" answer; otherwise every receiver's path. */
function writePathFix(said: string, url: URL): string {
  if (UNSUPPORTED_PATH.test(said)) {
    const fixed = new URL(url.href);
    fixed.pathname = "/api/v1/write";
    return `this is VictoriaMetrics, which takes remote write at /api/v1/write: set REMOTE_WRITE_URL=${fixed.href}`;
  }
  return `use the receiver's write path in REMOTE_WRITE_URL: ${RECEIVER_PATHS}`;
}

/** The running Prometheus's own view of its queues, one check each (nothing when it sends nowhere). */
export async function remoteWriteQueueChecks(prometheusUrl: string, timeoutMs: number): Promise<CheckResult[]> {
  const queues = await fetchRemoteWriteQueues(prometheusUrl, timeoutMs);
  if (!queues.reachable) return [];
  return queues.value.map((queue) => {
    const health = queueHealth(queue);
    const failing = health.state === "rejected" || health.state === "behind";
    return { check: "remote-write", status: failing ? "problem" : "ok", message: `Prometheus's queue to ${queue.url}: ${health.message}` };
  });
}
