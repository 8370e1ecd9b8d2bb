import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { closeSync, mkdirSync, openSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";
import { findFreePorts, startProcess, waitForHttp, waitUntil } from "../../src/process/index.js";
import { fetchStorageHealth } from "../../src/prometheus/storage.js";
import { runCli } from "../helpers/cli.js";
import { useTemporaryDirs } from "../helpers/temporary.js";

const temporaryDir = useTemporaryDirs();
const needsRoot = { skip: process.getuid?.() === 0 ? false : "needs root to mount a small tmpfs" };

/** Writes zeros until the file system is full; returns the file to delete. */
function fill(folder: string): string {
  const file = join(folder, "filler");
  const fd = openSync(file, "w");
  const chunk = Buffer.alloc(1024 * 1024);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOSPC") throw error;
  } finally {
    closeSync(fd);
  }
  return file;
}

describe("storage health on a full disk", () => {
  test(
    "a full data folder makes status and doctor say 'not storing' with the fix, and storing resumes once space is freed",
    needsRoot,
    async () => {
      const dir = temporaryDir("vllm-monitor-disk-");
      const mount = join(dir, "small-disk");
      mkdirSync(mount);
      execFileSync("mount", ["-t", "tmpfs", "-o", "size=64m", "tmpfs", mount]);
      after(() => execFileSync("umount", ["-l", mount]));
      const data = join(mount, "prometheus-data");

      const page = createServer((_request, response) => response.end('# TYPE demo_value gauge\ndemo_value{id="1"} 1\n'));
      await new Promise<void>((resolve) => page.listen(0, "127.0.0.1", resolve));
      after(() => new Promise<void>((resolve) => page.close(() => resolve())));
      const pagePort = (page.address() as { port: number }).port;
      const [port] = await findFreePorts(1);
      writeFileSync(
        join(dir, "prometheus.yml"),
        `global: {scrape_interval: 1s}\nscrape_configs:\n  - {job_name: prometheus, static_configs: [{targets: ["127.0.0.1:${port}"]}]}\n  - {job_name: page, static_configs: [{targets: ["127.0.0.1:${pagePort}"]}]}\n`,
      );
      const prometheus = startProcess({
        name: "prometheus",
        command: process.env.PROMETHEUS_BIN ?? "/usr/bin/prometheus",
        args: [`--config.file=${join(dir, "prometheus.yml")}`, `--storage.tsdb.path=${data}`, `--web.listen-address=127.0.0.1:${port}`],
      });
      after(() => prometheus.stop());
      const url = `http://127.0.0.1:${port}`;
      await waitForHttp(`${url}/-/ready`, { what: "prometheus ready", timeoutMs: 30_000, intervalMs: 100 });
      await waitUntil(async () => (await fetchStorageHealth(url, { dataDir: data }))?.storing === true && (await storedUp(url)) > 0, {
        what: "Prometheus storing",
        timeoutMs: 30_000,
        intervalMs: 200,
      });

      const filler = fill(mount);
      await waitUntil(async () => (await fetchStorageHealth(url, { dataDir: data }))?.storing === false, {
        what: "Prometheus reported as not storing",
        timeoutMs: 90_000,
        intervalMs: 500,
      });
      const health = await fetchStorageHealth(url, { dataDir: data });
      assert.match(
        health?.problems[0] ?? "",
        /^not storing: \d+ writes to its write-ahead log failed, and nothing newer than \d+ s ago was stored \(.*prometheus-data has [\d.]+ MB free\)\. How to fix: free space on the file system of/,
      );
      const doctor = await runCli(["doctor", "--target", `http://127.0.0.1:${pagePort}/metrics`, "--prometheus-url", url], { cwd: dir });
      assert.notEqual(doctor.code, 0);
      assert.match(doctor.output, /✖ Prometheus not storing: \d+ writes to its write-ahead log failed/);
      assert.match(doctor.output, /fix: free space on the file system/);

      rmSync(filler);
      await waitUntil(async () => (await fetchStorageHealth(url, { dataDir: data }))?.storing === true, {
        what: "storing resumed after space was freed",
        timeoutMs: 90_000,
        intervalMs: 500,
      });
    },
  );
});

/** Samples of the page's `up` stored in the last minute (0 while nothing is stored). */
async function storedUp(url: string): Promise<number> {
  const response = await fetch(`${url}/api/v1/query?query=${encodeURIComponent('count_over_time(up{job="page"}[1m])')}`);
  const body = (await response.json()) as { data: { result: { value: [number, string] }[] } };
  return Number(body.data.result[0]?.value[1] ?? 0);
}
