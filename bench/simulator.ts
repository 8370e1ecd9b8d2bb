/**
 * Simulator benchmark (prints figures; not a test). Run: `npm run bench:simulator`.
 *
 * 1. One simulator process serving `--instances 256` (default steady load), each scraped every 5 s
 *    by a real Prometheus for BENCH_SCRAPE_SECONDS (default 120): failed scrapes and the
 *    distribution of `scrape_duration_seconds`.
 * 2. One instance with `--no-latencies --load idle`: streamed completions per second from
 *    BENCH_CLIENTS (default 64) concurrent keep-alive clients in this process for BENCH_STREAM_SECONDS.
 *
 * The simulator runs as its own process through the CLI (`BENCH_CLI`, default src/cli/main.ts);
 * BENCH_PART=scrape|stream runs one half, BENCH_INSTANCES changes the instance count.
 */
import { readFileSync } from "node:fs";
import { Agent, request } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { startProcess, waitUntil, type ManagedProcess } from "../src/process/index.js";
import { startPrometheus } from "../test/helpers/prometheus.js";

const INSTANCES = Number(process.env.BENCH_INSTANCES ?? 256);
const SCRAPE_SECONDS = Number(process.env.BENCH_SCRAPE_SECONDS ?? 120);
const STREAM_SECONDS = Number(process.env.BENCH_STREAM_SECONDS ?? 15);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 64);
const MAX_TOKENS = 16;

async function startSimulatorProcess(args: string[]): Promise<{ child: ManagedProcess; firstPort: number; lastPort: number }> {
  const child = startProcess({
    name: "simulate",
    command: process.execPath,
    args: ["--import", "tsx", process.env.BENCH_CLI ?? "src/cli/main.ts", "simulate", "--port", "0", ...args],
  });
  let ports: number[] = [];
  await waitUntil(
    () => {
      ports = child.recentOutput().flatMap((line) => {
        const match = /^\s+https?:\/\/[^:\s]+:(\d+)\/v1\b/.exec(line);
        return match?.[1] === undefined ? [] : [Number(match[1])];
      });
      return ports.length > 0 && child.recentOutput().some((line) => line.includes("press Ctrl+C"));
    },
    { what: "the simulator to start", timeoutMs: 60_000 },
  );
  return { child, firstPort: ports[0] as number, lastPort: ports[ports.length - 1] as number };
}

function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

async function scrapeBenchmark(): Promise<void> {
  console.log(`# 1. ${INSTANCES} instances, each scraped every 5 s for ${SCRAPE_SECONDS} s`);
  const { child, firstPort, lastPort } = await startSimulatorProcess(["--instances", String(INSTANCES), "--seed", "1"]);
  const targets = Array.from({ length: lastPort - firstPort + 1 }, (_, index) => `"127.0.0.1:${firstPort + index}"`).join(", ");
  const prometheus = await startPrometheus({
    config: `global:\n  scrape_interval: 5s\n  scrape_timeout: 5s\nscrape_configs:\n  - job_name: sim\n    static_configs: [{ targets: [${targets}] }]\n`,
  });
  try {
    const cpuBefore = cpuSeconds(child.pid);
    await sleep(SCRAPE_SECONDS * 1000);
    const cpu = (cpuSeconds(child.pid) - cpuBefore) / SCRAPE_SECONDS;
    const window = `${SCRAPE_SECONDS + 30}s`;
    const total = (await prometheus.query(`sum(count_over_time(up{job="sim"}[${window}]))`))[0]?.value ?? 0;
    const succeeded = (await prometheus.query(`sum(sum_over_time(up{job="sim"}[${window}]))`))[0]?.value ?? 0;
    const matrix = await prometheus.queryData(`scrape_duration_seconds{job="sim"}[${window}]`);
    const durations = (matrix.result as { values: [number, string][] }[])
      .flatMap((series) => series.values.map(([, value]) => Number(value) * 1000))
      .sort((a, b) => a - b);
    const samples = (await prometheus.query(`avg(scrape_samples_scraped{job="sim"})`))[0]?.value ?? 0;
    const down = (await prometheus.targets()).filter((target) => target.health !== "up");
    console.log(`targets: ${lastPort - firstPort + 1}, samples per scrape: ${Math.round(samples)}`);
    console.log(`scrapes: ${total}, failed: ${total - succeeded}, targets down at the end: ${down.length}`);
    console.log(
      `/metrics response (scrape_duration_seconds): p50 ${percentile(durations, 0.5).toFixed(1)} ms, p99 ${percentile(durations, 0.99).toFixed(1)} ms, max ${(durations[durations.length - 1] ?? NaN).toFixed(1)} ms`,
    );
    console.log(`simulator CPU: ${(cpu * 100).toFixed(0)} % of one core`);
  } finally {
    await prometheus.stop();
    await child.stop();
  }
}

function streamOnce(agent: Agent, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const body = JSON.stringify({ prompt: "benchmark prompt", max_tokens: MAX_TOKENS, stream: true, ignore_eos: true });
    const req = request(
      {
        host: "127.0.0.1",
        port,
        path: "/v1/completions",
        method: "POST",
        agent,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
      },
      (res) => {
        let tail = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (tail = (tail + chunk).slice(-32)));
        res.on("end", () => resolve(res.statusCode === 200 && tail.includes("data: [DONE]")));
      },
    );
    req.on("error", () => resolve(false));
    req.end(body);
  });
}

async function streamBenchmark(): Promise<void> {
  console.log(
    `\n# 2. streamed completions (max_tokens ${MAX_TOKENS}) on one instance, latencies off, ${CLIENTS} concurrent clients, ${STREAM_SECONDS} s`,
  );
  const { child, firstPort } = await startSimulatorProcess(["--no-latencies", "--load", "idle"]);
  const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS });
  try {
    let completed = 0;
    let failed = 0;
    const deadline = performance.now() + STREAM_SECONDS * 1000;
    const cpuBefore = cpuSeconds(child.pid);
    const started = performance.now();
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        while (performance.now() < deadline) {
          if (await streamOnce(agent, firstPort)) completed += 1;
          else failed += 1;
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `completed: ${completed}, failed: ${failed}, rate: ${(completed / seconds).toFixed(0)} streamed completions/s (${((completed * MAX_TOKENS) / seconds).toFixed(0)} tokens/s)`,
    );
    console.log(`simulator CPU: ${(((cpuSeconds(child.pid) - cpuBefore) / seconds) * 100).toFixed(0)} % of one core`);
  } finally {
    agent.destroy();
    await child.stop();
  }
}

if (process.env.BENCH_PART !== "stream") await scrapeBenchmark();
if (process.env.BENCH_PART !== "scrape") await streamBenchmark();
