/**
 * Real VictoriaMetrics processes for a test (Debian's victoria-metrics package: single-node
 * `victoria-metrics` and `vmalert`), on free 127.0.0.1 ports in a temp dir, stopped by `stop()`.
 *
 *   const store = await startVictoriaMetrics();          // store.writeUrl for REMOTE_WRITE_URL
 *   await store.query('up{job="node"}');                 // Prometheus-compatible query API
 *   await store.stop(); await store.start();             // an outage: same port, same data
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findFreePort, startProcess, waitUntil, type ManagedProcess } from "../../src/process/index.js";

export interface VectorSample {
  readonly metric: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface RunningVictoriaMetrics {
  /** Base URL of the query API, e.g. http://127.0.0.1:40123 (what Grafana's datasource would use). */
  readonly url: string;
  /** Its Prometheus remote-write endpoint. */
  readonly writeUrl: string;
  /** Instant query, optionally at `time` (seconds since the epoch). */
  query(promql: string, time?: number): Promise<VectorSample[]>;
  /** Starts it again on the same port and data (after `stop()`). */
  start(): Promise<void>;
  /** Stops it; the data stays until `remove()`. */
  stop(): Promise<void>;
  /** Stops it and deletes its data. */
  remove(): Promise<void>;
  logs(): string[];
}

async function waitReady(url: string, process_: ManagedProcess, what: string): Promise<void> {
  let exited = false;
  void process_.exited.then(() => (exited = true));
  await waitUntil(
    async () => {
      if (exited) throw new Error(`${what} exited: ${process_.recentOutput().slice(-5).join(" | ")}`);
      const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2_000) }).catch(() => undefined);
      await response?.arrayBuffer();
      return response?.ok === true;
    },
    { what: `${what} ready at ${url}`, timeoutMs: 30_000, intervalMs: 100 },
  );
}

/** `victoria-metrics` (or $VICTORIA_METRICS_BIN) with fresh data; queries see samples one second old (not the default 30 s). */
export async function startVictoriaMetrics(): Promise<RunningVictoriaMetrics> {
  const dir = await mkdtemp(join(tmpdir(), "victoria-metrics-test-"));
  const port = await findFreePort();
  const url = `http://127.0.0.1:${port}`;
  let running: ManagedProcess | undefined;
  const start = async (): Promise<void> => {
    running = startProcess({
      name: "victoria-metrics",
      command: process.env.VICTORIA_METRICS_BIN ?? "/usr/bin/victoria-metrics",
      args: [
        `-httpListenAddr=127.0.0.1:${port}`,
        `-storageDataPath=${join(dir, "data")}`,
        "-retentionPeriod=1d",
        // why: the default hides the newest 30 s from queries and caches results; tests read what just arrived, late samples included.
        "-search.latencyOffset=1s",
        "-search.disableCache",
      ],
      cwd: dir,
    });
    await waitReady(url, running, "victoria-metrics");
  };
  const stop = async (): Promise<void> => {
    await running?.stop();
    running = undefined;
  };
  await start().catch(async (error: unknown) => {
    await stop();
    await rm(dir, { recursive: true, force: true });
    throw error;
  });
  return {
    url,
    writeUrl: `${url}/api/v1/write`,
    query: (promql, time) => instantQuery(url, promql, time),
    start,
    stop,
    remove: async () => {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
    logs: () => running?.recentOutput() ?? [],
  };
}

/** An instant query against any Prometheus-compatible API; a scalar comes back as one unlabelled sample. */
export async function instantQuery(url: string, promql: string, time?: number): Promise<VectorSample[]> {
  const at = time === undefined ? "" : `&time=${time}`;
  const response = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(promql)}${at}`, { signal: AbortSignal.timeout(10_000) });
  const body = (await response.json()) as { status: string; error?: string; data?: { resultType: string; result: unknown } };
  if (body.status !== "success" || body.data === undefined) throw new Error(`${url}: ${body.error ?? response.status} for ${promql}`);
  if (body.data.resultType === "scalar") return [{ metric: {}, value: Number((body.data.result as [number, string])[1]) }];
  return (body.data.result as { metric: Record<string, string>; value: [number, string] }[]).map((item) => ({
    metric: item.metric,
    value: Number(item.value[1]),
  }));
}

export interface RunningVmalert {
  readonly url: string;
  stop(): Promise<void>;
  logs(): string[];
}

/**
 * `vmalert` evaluating rule files against a VictoriaMetrics and writing recordings and alert
 * state back into it, as the README's Fleet recipe runs it; alerts go to `notifierUrl`.
 */
export async function startVmalert(options: {
  rules: string;
  store: string;
  notifierUrl: string;
  evaluationInterval?: string;
}): Promise<RunningVmalert> {
  const port = await findFreePort();
  const url = `http://127.0.0.1:${port}`;
  const running = startProcess({
    name: "vmalert",
    command: process.env.VMALERT_BIN ?? "/usr/bin/vmalert",
    args: [
      `-rule=${options.rules}`,
      `-datasource.url=${options.store}`,
      `-remoteWrite.url=${options.store}`,
      // why: the default 5 s batches hold recordings and ALERTS back from the store that long; a test reads them as soon as they exist.
      "-remoteWrite.flushInterval=1s",
      `-remoteRead.url=${options.store}`,
      `-notifier.url=${options.notifierUrl}`,
      `-evaluationInterval=${options.evaluationInterval ?? "1s"}`,
      `-httpListenAddr=127.0.0.1:${port}`,
    ],
  });
  try {
    await waitReady(url, running, "vmalert");
  } catch (error) {
    await running.stop();
    throw error;
  }
  return { url, stop: async () => void (await running.stop()), logs: () => running.recentOutput() };
}
