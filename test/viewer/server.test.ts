import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders } from "node:http";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import { Secret } from "../../src/config/secret.js";
import { buildMixin } from "../../src/mixin/index.js";
import { startViewer, type RunningViewer } from "../../src/viewer/server.js";
import { runCli } from "../helpers/cli.js";
import { startPrometheus, type RunningPrometheus } from "../helpers/prometheus.js";
import { useTemporaryDirs } from "../helpers/temporary.js";

const temporaryDir = useTemporaryDirs();

interface ServedDatasource {
  kind: string;
  spec: { default: boolean; plugin: { kind: string; spec: { directUrl: string; scrapeInterval?: string } } };
}

describe("viewer server and its Prometheus proxy", () => {
  let prometheus: RunningPrometheus;
  let viewer: RunningViewer;
  before(async () => {
    prometheus = await startPrometheus({
      config: (dir) => `scrape_configs: [{job_name: self, static_configs: [{targets: ["127.0.0.1:9"]}]}]\n# ${dir}\n`,
    });
    viewer = await startViewer({ prometheusUrl: prometheus.url, dashboards: buildMixin().persesDashboards, port: 0, scrapeInterval: "2s" });
  });
  after(async () => {
    await viewer?.close();
    await prometheus?.stop();
  });

  test("listens on 127.0.0.1 and serves the dashboards as Perses JSON", async () => {
    assert.match(viewer.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    const dashboards = (await (await fetch(`${viewer.url}api/dashboards`)).json()) as { kind: string; metadata: { name: string } }[];
    assert.deepEqual(
      dashboards.map((dashboard) => `${dashboard.kind} ${dashboard.metadata.name}`),
      buildMixin().persesDashboards.map((file) => `Dashboard ${file.dashboard.metadata.name}`),
    );
  });

  test("forwards instant and range queries, label and series lookups, by GET and by POST form", async () => {
    const now = Math.floor(Date.now() / 1000);
    for (const path of [
      "api/v1/query?query=vector(1)",
      `api/v1/query_range?query=vector(1)&start=${now - 60}&end=${now}&step=15`,
      "api/v1/labels",
      "api/v1/label/job/values",
      "api/v1/series?match[]=up",
      "api/v1/metadata",
    ]) {
      const response = await fetch(`${viewer.url}prometheus/${path}`);
      assert.equal(response.status, 200, path);
      assert.equal(((await response.json()) as { status: string }).status, "success", path);
    }
    const posted = await fetch(`${viewer.url}prometheus/api/v1/query`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "query=vector(2)",
    });
    const body = (await posted.json()) as { data: { result: { value: [number, string] }[] } };
    assert.equal(body.data.result[0]?.value[1], "2");
  });

  test("refuses Prometheus's admin, lifecycle, write and config endpoints, and other methods, without reaching Prometheus", async () => {
    const refused: [string, string, number][] = [
      ["POST", "-/reload", 403],
      ["POST", "-/quit", 403],
      ["POST", "api/v1/admin/tsdb/snapshot", 403],
      ["POST", "api/v1/admin/tsdb/delete_series?match[]=up", 403],
      ["POST", "api/v1/write", 403],
      ["GET", "api/v1/status/config", 403],
      ["GET", "api/v1/targets", 403],
      ["GET", "api/v1/query/../../-/quit", 403],
      ["DELETE", "api/v1/query?query=up", 405],
      ["PUT", "api/v1/series", 405],
    ];
    for (const [method, path, status] of refused) {
      const response = await fetch(`${viewer.url}prometheus/${path}`, { method });
      assert.equal(response.status, status, `${method} ${path}`);
      await response.arrayBuffer();
    }
    assert.equal((await prometheus.query("vector(1)")).length, 1, "Prometheus still answers: it did not quit");
    const other = await fetch(`${viewer.url}api/v1/query?query=up`);
    assert.equal(other.status, 404);
    const posted = await fetch(`${viewer.url}api/dashboards`, { method: "POST" });
    assert.equal(posted.status, 405);
  });

  test("sends the bearer token to Prometheus only, never back to the browser", async () => {
    const seen: IncomingHttpHeaders[] = [];
    const upstream = createServer((request, response) => {
      seen.push(request.headers);
      response.writeHead(200, { "content-type": "application/json" });
      response.end('{"status":"success","data":{"resultType":"vector","result":[]}}');
    });
    await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
    const token = new Secret("TEST_PROMETHEUS_TOKEN", "viewer-test-token-value");
    const withToken = await startViewer({
      prometheusUrl: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`,
      bearerToken: token,
      dashboards: [],
      port: 0,
    });
    try {
      const response = await fetch(`${withToken.url}prometheus/api/v1/query?query=up`);
      const text = await response.text();
      assert.equal(response.status, 200);
      assert.equal(seen[0]?.authorization, "Bearer viewer-test-token-value");
      assert.ok(!text.includes(token.reveal()) && ![...response.headers.values()].some((value) => value.includes(token.reveal())));
    } finally {
      await withToken.close();
      await new Promise<void>((resolve) => upstream.close(() => resolve()));
    }
  });

  test("serves its Prometheus proxy as the page's data source, with the scrape interval Perses steps and rates over", async () => {
    const response = await fetch(`${viewer.url}api/datasources`);
    assert.equal(response.status, 200);
    const datasources = (await response.json()) as ServedDatasource[];
    assert.equal(datasources.length, 1);
    assert.equal(datasources[0]?.kind, "GlobalDatasource");
    assert.equal(datasources[0]?.spec.default, true);
    assert.deepEqual(datasources[0]?.spec.plugin, {
      kind: "PrometheusDatasource",
      spec: { directUrl: "/prometheus", scrapeInterval: "2s" },
    });
  });

  test("answers a reload of an unchanged page file with 304 and no body, and a changed one with the new file", async () => {
    const pageDir = temporaryDir("vllm-monitor-viewer-page-");
    writeFileSync(join(pageDir, "index.html"), "<!doctype html><script src=/main.js></script>");
    writeFileSync(join(pageDir, "main.js"), "console.log(1);");
    const withPage = await startViewer({ prometheusUrl: prometheus.url, dashboards: [], port: 0, pageDir });
    try {
      const first = await fetch(`${withPage.url}main.js`);
      assert.equal(first.status, 200);
      assert.equal(await first.text(), "console.log(1);");
      const etag = first.headers.get("etag");
      assert.match(etag ?? "", /^"[\w-]+"$/);
      assert.equal(first.headers.get("cache-control"), "no-cache");
      const again = await fetch(`${withPage.url}main.js`, { headers: { "if-none-match": etag ?? "" } });
      assert.equal(again.status, 304);
      assert.equal(await again.text(), "");
      const page = await fetch(`${withPage.url}projects/vllm/dashboards/x`, { headers: { "if-none-match": etag ?? "" } });
      assert.equal(page.status, 200, "index.html has its own ETag");
      await page.arrayBuffer();
      writeFileSync(join(pageDir, "main.js"), "console.log(22);");
      const changed = await fetch(`${withPage.url}main.js`, { headers: { "if-none-match": etag ?? "" } });
      assert.equal(changed.status, 200);
      assert.equal(await changed.text(), "console.log(22);");
      assert.notEqual(changed.headers.get("etag"), etag);
    } finally {
      await withPage.close();
    }
  });

  test("view refuses a --scrape-interval that is not a Prometheus duration, saying which flag and what to use", async () => {
    for (const bad of ["5", "0s", "fast", "-5s"]) {
      const run = await runCli(["view", "--scrape-interval", bad, "--prometheus", prometheus.url, "--port", "0"], {
        cwd: temporaryDir("vllm-monitor-view-"),
      });
      assert.equal(run.code, 2, `${bad}: ${run.output}`);
      assert.match(run.stderr, new RegExp(`--scrape-interval "${bad}" is not a Prometheus duration longer than zero.*e\\.g\\. 15s`), bad);
    }
  });
});
