/**
 * 1,000 targets (prints figures; not a test). Run: `npm run bench:fleet-scale -- [options]`.
 *
 * `--processes` simulator processes (default 2, one per core) serve `--targets` vLLM instances
 * between them (default 1000, `--load idle`: every series of a real page, no simulated requests,
 * since simulating steady traffic for 1,000 servers alone needs more than this machine's 2 cores); one
 * Prometheus 2.42 server with our rendered configuration (drops, hostname relabeling, recording
 * and alert rules) scrapes every one every `--interval` (default 5s) for `--duration` (default
 * 10m). Prints failed scrapes (must be 0), the scrape duration distribution, Prometheus's memory
 * and CPU, the rule evaluation time, the simulator's CPU, and the machine's load before and after.
 *
 * Options: --targets N, --processes N, --duration 10m, --interval 5s, --load idle|steady|burst.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { setTimeout as sleep } from "node:timers/promises";
import { startPrometheus } from "../test/helpers/prometheus.js";
import {
  conditions,
  cpuSeconds,
  ownMetric,
  parseDuration,
  percentile,
  renderedConfig,
  rssMib,
  startSimulatorProcess,
  type SimulatorProcess,
} from "./fleet-helpers.js";

const { values } = parseArgs({
  options: {
    targets: { type: "string", default: "1000" },
    duration: { type: "string", default: "10m" },
    interval: { type: "string", default: "5s" },
    load: { type: "string", default: "idle" },
    processes: { type: "string", default: "2" },
  },
});
const targets = Number(values.targets);
const durationMs = parseDuration(values.duration ?? "10m");
const intervalSeconds = parseDuration(values.interval ?? "5s") / 1000;
const processes = Number(values.processes);

console.log(
  `# ${targets} targets in ${processes} simulator process(es) (load ${values.load}), scraped every ${intervalSeconds} s for ${values.duration} by one Prometheus with our configuration`,
);
console.log(`before: ${conditions()}`);
const dir = mkdtempSync(join(tmpdir(), "vllm-monitor-bench-scale-"));
const simulators: SimulatorProcess[] = [];
try {
  for (let index = 0; index < processes; index += 1) {
    const share = Math.floor(targets / processes) + (index < targets % processes ? 1 : 0);
    const taken = new Set(simulators.flatMap((simulator) => simulator.addresses.map((address) => Number(address.split(":")[1]))));
    simulators.push(await startSimulatorProcess(share, values.load ?? "idle", index + 1, taken));
  }
  const configFile = await renderedConfig(
    dir,
    simulators.flatMap((simulator) => simulator.addresses),
    [`SCRAPE_INTERVAL=${intervalSeconds}s`],
  );
  const prometheus = await startPrometheus({ config: readFileSync(configFile, "utf8") });
  const prometheusPid = prometheus.pid;
  try {
    // why: start counting once every target has been discovered and scraped once.
    await prometheus.waitForScrapes(1, { job: "vllm", timeoutMs: 120_000 });
    const started = Date.now();
    const simulatorCpu = () => simulators.reduce((sum, simulator) => sum + cpuSeconds(simulator.child.pid), 0);
    const cpu = { prometheus: cpuSeconds(prometheusPid), simulator: simulatorCpu() };
    let peakMib = 0;
    while (Date.now() - started < durationMs) {
      await sleep(Math.min(15_000, durationMs - (Date.now() - started)));
      peakMib = Math.max(peakMib, rssMib(prometheusPid));
      for (const simulator of simulators)
        if (simulator.child.child.exitCode !== null)
          throw new Error(`a simulator stopped: ${simulator.child.recentOutput().slice(-5).join(" | ")}`);
    }
    const seconds = (Date.now() - started) / 1000;
    const window = `${Math.floor(seconds)}s`;
    const value = async (promql: string) => (await prometheus.query(promql))[0]?.value ?? Number.NaN;
    const scrapes = await value(`sum(count_over_time(up{job="vllm"}[${window}]))`);
    // why: one expression, so both counts are taken at the same instant.
    const failed = await value(`sum(count_over_time(up{job="vllm"}[${window}]) - sum_over_time(up{job="vllm"}[${window}]))`);
    const targetsThatFailed = (await prometheus.query(`min_over_time(up{job="vllm"}[${window}]) == 0`)).length;
    const matrix = await prometheus.queryData(`scrape_duration_seconds{job="vllm"}[${window}]`);
    const durations = (matrix.result as { values: [number, string][] }[])
      .flatMap((series) => series.values.map(([, sample]) => Number(sample) * 1000))
      .sort((a, b) => a - b);
    const samplesPerScrape = await value(`avg(scrape_samples_post_metric_relabeling{job="vllm"})`);
    const headSeries = (await ownMetric(prometheus.url, "prometheus_tsdb_head_series"))[0] ?? Number.NaN;
    const ruleSeconds = Math.max(...(await ownMetric(prometheus.url, "prometheus_rule_group_last_duration_seconds")));
    console.log(`targets: ${targets}, samples kept per scrape: ${Math.round(samplesPerScrape)}, head series: ${headSeries}`);
    console.log(
      `scrapes: ${scrapes} (expected ≈ ${Math.round((targets * seconds) / intervalSeconds)}), failed: ${failed}, targets with a failed scrape: ${targetsThatFailed}`,
    );
    console.log(
      `scrape duration: p50 ${percentile(durations, 0.5).toFixed(1)} ms, p99 ${percentile(durations, 0.99).toFixed(1)} ms, max ${(durations.at(-1) ?? Number.NaN).toFixed(1)} ms`,
    );
    console.log(
      `Prometheus: RSS ${rssMib(prometheusPid).toFixed(0)} MiB at the end (peak ${peakMib.toFixed(0)} MiB), CPU ${(((cpuSeconds(prometheusPid) - cpu.prometheus) / seconds) * 100).toFixed(0)} % of one core; slowest rule group ${(ruleSeconds * 1000).toFixed(0)} ms`,
    );
    const simulatorMib = simulators.reduce((sum, simulator) => sum + rssMib(simulator.child.pid), 0);
    console.log(
      `simulators: RSS ${simulatorMib.toFixed(0)} MiB, CPU ${(((simulatorCpu() - cpu.simulator) / seconds) * 100).toFixed(0)} % of one core in all`,
    );
    console.log(`after: ${conditions()}`);
  } finally {
    await prometheus.stop();
  }
} finally {
  for (const simulator of simulators) await simulator.child.stop();
  rmSync(dir, { recursive: true, force: true });
}
