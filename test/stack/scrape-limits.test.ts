import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadSettings } from "../../src/config/load.js";
import { isUserError } from "../../src/errors.js";
import { fetchScrapeTargets } from "../../src/prometheus/client.js";
import { nativeEndpoints } from "../../src/render/endpoints.js";
import { OUTPUT_LAYOUT } from "../../src/render/layout.js";
import { renderStackConfig } from "../../src/render/stack.js";
import { writeOutputTree } from "../../src/render/writer.js";
import { findFreePorts, waitUntil } from "../../src/process/index.js";
import { formatStatus } from "../../src/stack/status.js";
import { startPrometheus } from "../helpers/prometheus.js";
import { useTemporaryDirs } from "../helpers/temporary.js";

const temporaryDir = useTemporaryDirs();
const BOMB_SERIES = 200_000;

/** Serves one fixed /metrics page; stopped after the file's tests. */
async function servePage(port: number, page: string): Promise<Server> {
  const body = Buffer.from(page);
  const server = createServer((_request, response) => {
    response.writeHead(200, { "content-type": "text/plain; version=0.0.4" });
    response.end(body);
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return server;
}

function bombPage(): string {
  const lines = ["# TYPE bomb_requests gauge"];
  for (let index = 0; index < BOMB_SERIES; index += 1) lines.push(`bomb_requests{request_id="${index}"} 1`);
  return `${lines.join("\n")}\n`;
}

const NORMAL_PAGE = '# TYPE vllm:num_requests_running gauge\nvllm:num_requests_running{model_name="m",engine="0"} 1\n';

function rssBytes(pid: number): number {
  const line =
    readFileSync(`/proc/${pid}/status`, "utf8")
      .split("\n")
      .find((row) => row.startsWith("VmRSS:")) ?? "VmRSS: 0 kB";
  return Number(/(\d+)/.exec(line)?.[1] ?? 0) * 1024;
}

describe("scrape limits", () => {
  test("a 200,000-series target is refused with the reason while the normal one beside it keeps being scraped, and Prometheus stays small", async () => {
    const [bombPort, normalPort, prometheusPort] = await findFreePorts(3);
    await servePage(bombPort as number, bombPage());
    await servePage(normalPort as number, NORMAL_PAGE);
    const dir = temporaryDir("vllm-monitor-limits-");
    writeFileSync(
      join(dir, ".env"),
      `VLLM_TARGET=127.0.0.1:${bombPort},127.0.0.1:${normalPort}\nSCRAPE_INTERVAL=3s\nPROMETHEUS_PORT=${prometheusPort}\n`,
    );
    const settings = loadSettings({ envFile: join(dir, ".env"), environment: {}, hostName: "test-host" });
    const out = join(dir, "build");
    const rendered = await renderStackConfig(settings, {
      mode: "native",
      outDir: out,
      endpoints: nativeEndpoints(settings),
      part: "prometheus",
    });
    await writeOutputTree(out, rendered.files, { ownedRoots: rendered.ownedRoots });
    const prometheus = await startPrometheus({ config: readFileSync(join(out, OUTPUT_LAYOUT.prometheusConfig), "utf8") });
    after(() => prometheus.stop());

    const bomb = `127.0.0.1:${bombPort}`;
    const normal = `127.0.0.1:${normalPort}`;
    await waitUntil(
      async () => {
        const targets = await prometheus.targets();
        return targets.some((target) => target.labels.instance === bomb && /sample limit/.test(target.lastError));
      },
      { what: "the 200,000-series target refused for its sample limit", timeoutMs: 120_000, intervalMs: 250 },
    );
    // why: a 3 s interval (and timeout) leaves a loaded machine time to read the 200,000 lines, so the refusal is the limit's, not a timeout's.
    // Three more scrapes of the normal target after the bomb was refused: it is not starved.
    const scrapedBefore = (await prometheus.query(`count_over_time(up{instance="${normal}"}[1h])`))[0]?.value ?? 0;
    await waitUntil(
      async () => ((await prometheus.query(`count_over_time(up{instance="${normal}"}[1h])`))[0]?.value ?? 0) >= scrapedBefore + 3,
      {
        what: "three more scrapes of the normal target",
        timeoutMs: 120_000,
        intervalMs: 250,
      },
    );
    assert.deepEqual(
      (await prometheus.query(`up{instance="${normal}"}`)).map((sample) => sample.value),
      [1],
    );
    assert.equal((await prometheus.query('vllm:num_requests_running{model_name="m"}')).length, 1);
    assert.equal((await prometheus.query("bomb_requests")).length, 0, "nothing of the refused scrapes is stored");
    const tsdb = (await (await fetch(`${prometheus.url}/api/v1/status/tsdb`)).json()) as { data: { headStats: { numSeries: number } } };
    const headSeries = tsdb.data.headStats.numSeries;
    // why: Prometheus creates a refused scrape's series in its head before it rolls the samples back, so
    // at most the limit's worth of empty series stay there until the next head compaction; never 200,000.
    assert.ok(headSeries <= 50_000 + 1_000, `the head holds ${headSeries} series`);
    // why: ingesting the bomb took Prometheus from 80 MB to 1.45 GB. Refused, it still parses each 200,000-series
    // page before rolling it back, and Go hands that memory back lazily (449 MB seen under CI load), so the
    // bound is well below the ingesting figure rather than the idle one.
    assert.ok(rssBytes(prometheus.pid) < 800 * 1024 ** 2, `Prometheus uses ${Math.round(rssBytes(prometheus.pid) / 1024 ** 2)} MB`);

    const answer = await fetchScrapeTargets(prometheus.url);
    assert.ok(answer.reachable);
    const refused = answer.value.find((target) => target.instance === bomb);
    assert.match(
      refused?.limitAdvice ?? "",
      /^this target exports 200,000 series, over the limit 50,000: set SCRAPE_SAMPLE_LIMIT=vllm=300000 in \.env/,
    );
    assert.equal(answer.value.find((target) => target.instance === normal)?.limitAdvice, undefined);
    const report = formatStatus({
      running: true,
      stack: {
        kind: "native",
        supervisorPid: process.pid,
        phase: "running",
        startedAt: "2025-01-01T00:00:00.000Z",
        demo: false,
        outDir: out,
        envFile: join(dir, ".env"),
        workDir: dir,
        logFile: join(dir, "native.log"),
        prometheusUrl: prometheus.url,
        processes: [],
      },
      processes: [],
      targets: answer.value,
    });
    assert.match(
      report,
      new RegExp(`vllm ${bomb}: this target exports 200,000 series, over the limit 50,000: set SCRAPE_SAMPLE_LIMIT=vllm=300000`),
    );
  });

  test("a per-job override in .env replaces that job's default and leaves the others", async () => {
    const dir = temporaryDir("vllm-monitor-limits-");
    writeFileSync(
      join(dir, ".env"),
      "VLLM_TARGET=gpu-1:8000\nNODE_EXPORTER_TARGETS=gpu-1:9100\nSCRAPE_SAMPLE_LIMIT=vllm=200000\nSCRAPE_BODY_SIZE_LIMIT=128MB\n",
    );
    const settings = loadSettings({ envFile: join(dir, ".env"), environment: {}, hostName: "test-host" });
    const rendered = await renderStackConfig(settings, {
      mode: "native",
      outDir: join(dir, "build"),
      endpoints: nativeEndpoints(settings),
      part: "prometheus",
    });
    const config = rendered.files.find((file) => file.path === OUTPUT_LAYOUT.prometheusConfig)?.content.toString() ?? "";
    const job = (name: string) => config.split("- job_name: ").find((part) => part.startsWith(name)) ?? "";
    assert.match(job("vllm"), /sample_limit: 200000\n/);
    assert.match(job("vllm"), /body_size_limit: "128MB"/);
    assert.match(job("node"), /sample_limit: 50000\n/);
    assert.match(job("node"), /target_limit: 5000\n/);
    assert.doesNotMatch(job("prometheus"), /target_limit/);
  });

  test("a limit naming an unknown job or a non-number is refused with the variable and the fix", () => {
    const dir = temporaryDir("vllm-monitor-limits-");
    writeFileSync(join(dir, ".env"), "SCRAPE_SAMPLE_LIMIT=vlm=10\nSCRAPE_TARGET_LIMIT=prometheus=3\nSCRAPE_LABEL_LIMIT=many\n");
    assert.throws(
      () => loadSettings({ envFile: join(dir, ".env"), environment: {}, hostName: "test-host" }),
      (error: unknown) =>
        isUserError(error) &&
        error.problems.some((problem) =>
          /^SCRAPE_SAMPLE_LIMIT \(.*\.env:1\): names a job that is not one of vllm, gpu, node, prometheus/.test(problem),
        ) &&
        error.problems.some((problem) =>
          /^SCRAPE_TARGET_LIMIT \(.*\.env:2\): names a job that is not one of vllm, gpu, node\b/.test(problem),
        ) &&
        error.problems.some((problem) => /^SCRAPE_LABEL_LIMIT \(.*\.env:3\): has an item that is not a whole number above 0/.test(problem)),
    );
  });
});
