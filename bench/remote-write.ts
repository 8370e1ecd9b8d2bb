/**
 * Remote write at 256 instances (prints figures; not a test). Run: `npm run bench:remote-write -- [options]`.
 *
 * One simulator process serves `--instances` vLLM instances (default 256, steady load). Side by
 * side, for `--duration` (default 3m) after a warm-up, both scraping every 5 s:
 *   - an agent: Prometheus 2.42 in agent mode with our rendered configuration, remote-writing
 *     into Debian's VictoriaMetrics (what one GPU node runs in the Fleet recipe);
 *   - a plain server: Prometheus with a bare scrape job of the same targets (the baseline).
 * Prints samples per second sent, bytes on the wire per sample, the agent's and the server's
 * memory, the lag from scrape to query on VictoriaMetrics, and the series per instance sent
 * upstream against a plain scrape.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { setTimeout as sleep } from "node:timers/promises";
import { metricRelabelDrops } from "../src/mixin/rules/index.js";
import { buildMixin, seriesReadByMixin } from "../src/mixin/index.js";
import { parseExposition } from "../src/exposition/index.js";
import { fetchRemoteWriteQueues, type RemoteWriteQueue } from "../src/prometheus/client.js";
import { agentFlag, parsePrometheusVersion } from "../src/prometheus/version.js";
import { findFreePort, startProcess, waitUntil } from "../src/process/index.js";
import { startPrometheus } from "../test/helpers/prometheus.js";
import { startVictoriaMetrics } from "../test/helpers/victoria-metrics.js";
import {
  conditions,
  cpuSeconds,
  ownMetric,
  parseDuration,
  percentile,
  renderedConfig,
  rssMib,
  startSimulatorProcess,
} from "./fleet-helpers.js";

const { values } = parseArgs({
  options: {
    instances: { type: "string", default: "256" },
    duration: { type: "string", default: "3m" },
    load: { type: "string", default: "steady" },
  },
});
const instances = Number(values.instances);
const durationMs = parseDuration(values.duration ?? "3m");
const PROMETHEUS = process.env.PROMETHEUS_BIN ?? "/usr/bin/prometheus";
const LAG_TARGETS = 8;

const sent = (queue: RemoteWriteQueue | undefined) => (queue === undefined ? 0 : queue.samplesTotal - queue.samplesFailed);

console.log(
  `# remote write: ${instances} instances (load ${values.load}), every 5 s, agent → VictoriaMetrics, beside a plain Prometheus server; ${values.duration} measured`,
);
console.log(`before: ${conditions()}`);
const dir = mkdtempSync(join(tmpdir(), "vllm-monitor-bench-rw-"));
const simulator = await startSimulatorProcess(instances, values.load ?? "steady", 2);
const store = await startVictoriaMetrics();
const cleanups: (() => Promise<unknown>)[] = [() => simulator.child.stop(), () => store.remove()];
try {
  const port = await findFreePort();
  const configFile = await renderedConfig(dir, simulator.addresses, [
    "PROMETHEUS_MODE=agent",
    `REMOTE_WRITE_URL=${store.writeUrl}`,
    `PROMETHEUS_PORT=${port}`,
    "MONITOR_NAME=bench-agent",
  ]);
  const version = parsePrometheusVersion(execFileSync(PROMETHEUS, ["--version"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }));
  if (version === undefined) throw new Error(`${PROMETHEUS} --version printed no version`);
  const agent = startProcess({
    name: "agent",
    command: PROMETHEUS,
    args: [
      `--config.file=${configFile}`,
      `--web.listen-address=127.0.0.1:${port}`,
      agentFlag(version),
      `--storage.agent.path=${join(dir, "wal")}`,
    ],
  });
  cleanups.unshift(() => agent.stop());
  const agentUrl = `http://127.0.0.1:${port}`;
  const server = await startPrometheus({
    config: `global:\n  scrape_interval: 5s\nscrape_configs:\n  - job_name: vllm\n    static_configs: [{ targets: ${JSON.stringify(simulator.addresses)} }]\n`,
  });
  cleanups.unshift(() => server.stop());

  // Warm-up: the agent replays its WAL (5 s) and sends; every instance reaches the store.
  await waitUntil(async () => ((await store.query('count(up{job="vllm"})'))[0]?.value ?? 0) === instances, {
    what: "every instance in VictoriaMetrics",
    timeoutMs: 180_000,
    intervalMs: 1_000,
  });
  await sleep(15_000);

  const before = (await fetchRemoteWriteQueues(agentUrl)).reachable ? await queueNow(agentUrl) : undefined;
  const bytesBefore = (await ownMetric(agentUrl, "prometheus_remote_storage_bytes_total"))[0] ?? 0;
  const cpu = { agent: cpuSeconds(agent.pid), server: cpuSeconds(server.pid) };
  const started = Date.now();
  const lags: number[] = [];
  const lastSeen = new Map<string, number>();
  const watched = simulator.addresses.slice(0, LAG_TARGETS);
  let peak = { agent: 0, server: 0 };
  while (Date.now() - started < durationMs) {
    // Scrape-to-query lag: when a new sample of a watched target becomes queryable, how old is it?
    const samples = await store.query(`timestamp(up{job="vllm", instance=~"${watched.join("|")}"})`);
    const now = Date.now() / 1000;
    for (const sample of samples) {
      const instance = sample.metric.instance ?? "";
      if (sample.value > (lastSeen.get(instance) ?? Number.POSITIVE_INFINITY)) lags.push(now - sample.value);
      lastSeen.set(instance, sample.value);
    }
    peak = { agent: Math.max(peak.agent, rssMib(agent.pid)), server: Math.max(peak.server, rssMib(server.pid)) };
    await sleep(250);
  }
  const seconds = (Date.now() - started) / 1000;
  const after = await queueNow(agentUrl);
  const bytes = ((await ownMetric(agentUrl, "prometheus_remote_storage_bytes_total"))[0] ?? 0) - bytesBefore;
  const samplesSent = sent(after) - sent(before);
  lags.sort((a, b) => a - b);
  console.log(
    `agent → VictoriaMetrics: ${(samplesSent / seconds).toFixed(0)} samples/s sent, ${(bytes / samplesSent).toFixed(2)} bytes on the wire per sample (snappy protobuf), ${after?.samplesFailed ?? 0} rejected, ${after?.samplesRetried ?? 0} retried`,
  );
  console.log(
    `scrape → queryable on VictoriaMetrics (${lags.length} samples of ${LAG_TARGETS} targets, polled every 250 ms, -search.latencyOffset=1s): p50 ${percentile(lags, 0.5).toFixed(1)} s, p99 ${percentile(lags, 0.99).toFixed(1)} s, max ${(lags.at(-1) ?? Number.NaN).toFixed(1)} s`,
  );
  console.log(
    `memory: agent RSS ${rssMib(agent.pid).toFixed(0)} MiB (peak ${peak.agent.toFixed(0)}), plain server RSS ${rssMib(server.pid).toFixed(0)} MiB (peak ${peak.server.toFixed(0)}), same targets`,
  );
  console.log(
    `CPU: agent ${(((cpuSeconds(agent.pid) - cpu.agent) / seconds) * 100).toFixed(0)} %, plain server ${(((cpuSeconds(server.pid) - cpu.server) / seconds) * 100).toFixed(0)} % of one core`,
  );
  console.log(`agent active series: ${(await ownMetric(agentUrl, "prometheus_agent_active_series"))[0] ?? "?"}`);

  // Series per instance: a plain scrape, what our scrape config keeps (drops), what remote write sends (keep list); VictoriaMetrics's count checks the last.
  const instance = simulator.addresses[0] ?? "";
  const page = parseExposition(await (await fetch(`http://${instance}/metrics`)).text());
  const names = page.families.flatMap((family) => family.samples.map((sample) => sample.name));
  const drops = metricRelabelDrops().map((drop) => new RegExp(`^(?:${drop.regex})$`));
  const stored = names.filter((name) => !drops.some((drop) => drop.test(name)));
  const read = new Set(seriesReadByMixin(buildMixin()));
  const kept = stored.filter((name) => read.has(name));
  const plain = (await server.query(`count({instance="${instance}"})`))[0]?.value ?? Number.NaN;
  const inStore = (await store.query(`count({instance="${instance}", job="vllm"})`))[0]?.value ?? Number.NaN;
  console.log(
    `series per instance: plain scrape ${plain} (incl. 5 scrape series), a server with our scrape config ${stored.length + 5}, ` +
      `an agent keeps and sends ${kept.length + 1} (VictoriaMetrics holds ${inStore}) = ${(((kept.length + 1) / plain) * 100).toFixed(0)} % of a plain scrape`,
  );
  console.log(`after: ${conditions()}`);
} finally {
  for (const cleanup of cleanups) await cleanup().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
}

async function queueNow(url: string): Promise<RemoteWriteQueue | undefined> {
  const queues = await fetchRemoteWriteQueues(url);
  return queues.reachable ? queues.value[0] : undefined;
}
