/**
 * Starts a real Prometheus (Debian 2.42: `/usr/bin/prometheus`, or `$PROMETHEUS_BIN`) for a test.
 *
 *   const prometheus = await startPrometheus({
 *     config: (dir) => `scrape_configs: [{job_name: sim, static_configs: [{targets: ["127.0.0.1:8000"]}],
 *                        authorization: {credentials_file: ${dir}/token}}]`,
 *     files: { token: "secret" },
 *   });
 *   after(() => prometheus.stop());
 *   await prometheus.waitForScrapes(2);
 *   const up = await prometheus.query('up{job="sim"}');   // [{ metric: {...}, value: 1 }]
 *
 * It works in a fresh temp dir (config, extra files with mode 0600, TSDB), listens on a free
 * 127.0.0.1 port, waits (bounded) for `/-/ready`, and `stop()` always kills the process and
 * removes the dir. A global `scrape_interval` of 1s is added when the config has no `global:`.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findFreePort, startProcess, waitUntil, type ManagedProcess } from "../../src/process/index.js";

export interface PrometheusOptions {
  /** prometheus.yml text, or a function of the temp dir (to point at files written there). */
  readonly config: string | ((dir: string) => string);
  /** Files to write into the temp dir before starting (name → content), mode 0600. */
  readonly files?: Readonly<Record<string, string>>;
  readonly binary?: string;
  /** Extra command-line flags. */
  readonly args?: readonly string[];
  readonly readyTimeoutMs?: number;
}

export interface VectorSample {
  readonly metric: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface ActiveTarget {
  readonly labels: Readonly<Record<string, string>>;
  readonly scrapePool: string;
  readonly scrapeUrl: string;
  readonly health: "up" | "down" | "unknown";
  readonly lastError: string;
  readonly lastScrapeDuration: number;
}

export interface RunningPrometheus {
  /** e.g. http://127.0.0.1:40123 */
  readonly url: string;
  readonly dir: string;
  /** Its process id (benchmarks read its memory and CPU from /proc). */
  readonly pid: number;
  /** Instant query; vector results as numbers, scalars as one sample with no labels. */
  query(promql: string): Promise<VectorSample[]>;
  /** The raw `data` of an instant query (e.g. a range-vector selector gives a matrix). */
  queryData(promql: string): Promise<{ resultType: string; result: unknown }>;
  targets(): Promise<ActiveTarget[]>;
  /** Waits until every active target (of `job`, if given) has been scraped at least `count` times. */
  waitForScrapes(count: number, options?: { job?: string; timeoutMs?: number }): Promise<void>;
  /** Last lines Prometheus logged, for assertion messages. */
  logs(): string[];
  stop(): Promise<void>;
}

interface ApiResponse<T> {
  readonly status: string;
  readonly data: T;
  readonly error?: string;
}

export async function startPrometheus(options: PrometheusOptions): Promise<RunningPrometheus> {
  const dir = await mkdtemp(join(tmpdir(), "prometheus-test-"));
  let process_: ManagedProcess | undefined;
  const stop = async () => {
    await process_?.stop();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    for (const [name, content] of Object.entries(options.files ?? {})) await writeFile(join(dir, name), content, { mode: 0o600 });
    const configText = typeof options.config === "function" ? options.config(dir) : options.config;
    const config = /^global:/m.test(configText) ? configText : `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n${configText}`;
    await writeFile(join(dir, "prometheus.yml"), config);
    const port = await findFreePort();
    const url = `http://127.0.0.1:${port}`;
    process_ = startProcess({
      name: "prometheus",
      command: options.binary ?? process.env.PROMETHEUS_BIN ?? "/usr/bin/prometheus",
      args: [
        `--config.file=${join(dir, "prometheus.yml")}`,
        `--storage.tsdb.path=${join(dir, "data")}`,
        `--web.listen-address=127.0.0.1:${port}`,
        "--storage.tsdb.retention.time=1h",
        ...(options.args ?? []),
      ],
      cwd: dir,
    });
    const running = process_;
    let exited = false;
    void running.exited.then(() => (exited = true));
    await waitUntil(
      async () => {
        if (exited) throw new Error(`prometheus exited: ${running.recentOutput().slice(-5).join(" | ")}`);
        const response = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(2_000) });
        await response.arrayBuffer();
        return response.ok;
      },
      { what: `prometheus ready at ${url}`, timeoutMs: options.readyTimeoutMs ?? 30_000, intervalMs: 100 },
    );

    const api = async <T>(path: string): Promise<T> => {
      const response = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(10_000) });
      const body = (await response.json()) as ApiResponse<T>;
      if (body.status !== "success") throw new Error(`prometheus ${path}: ${body.error ?? response.status}`);
      return body.data;
    };
    const queryData = (promql: string) => api<{ resultType: string; result: unknown }>(`/api/v1/query?query=${encodeURIComponent(promql)}`);
    const query = async (promql: string): Promise<VectorSample[]> => {
      const data = await queryData(promql);
      if (data.resultType === "scalar") return [{ metric: {}, value: Number((data.result as [number, string])[1]) }];
      if (data.resultType !== "vector") throw new Error(`query ${promql} returned a ${data.resultType}, not a vector`);
      return (data.result as { metric: Record<string, string>; value: [number, string] }[]).map((item) => ({
        metric: item.metric,
        value: Number(item.value[1]),
      }));
    };
    const targets = async () => (await api<{ activeTargets: ActiveTarget[] }>("/api/v1/targets?state=active")).activeTargets;
    return {
      url,
      dir,
      pid: running.pid,
      query,
      queryData,
      targets,
      async waitForScrapes(count, waitOptions = {}) {
        const selector = waitOptions.job === undefined ? "up" : `up{job="${waitOptions.job}"}`;
        await waitUntil(
          async () => {
            const active = (await targets()).filter((target) => waitOptions.job === undefined || target.labels.job === waitOptions.job);
            if (active.length === 0) return false;
            const counts = await query(`count_over_time(${selector}[1h])`);
            return counts.length >= active.length && counts.every((sample) => sample.value >= count);
          },
          {
            what: `${count} scrapes of every ${waitOptions.job ?? ""} target`,
            timeoutMs: waitOptions.timeoutMs ?? 30_000,
            intervalMs: 250,
          },
        );
      },
      logs: () => running.recentOutput(),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
