import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { vllm } from "../../src/catalog/index.js";
import { main } from "../../src/cli/main.js";
import {
  closedPort,
  doctorWith,
  localhostCertificate,
  runCli,
  startHttpServer,
  startHttpsServer,
  writeEnvFile,
  type RunningServer,
  type TestCertificate,
} from "./helpers.js";
import { currentVllmPage, nodeExporterPage } from "./pages.js";

const TOKEN = "s3cret-token-value-for-doctor";
const WRONG_TOKEN = "wrong-token-value-for-doctor";

describe("vllm-monitor doctor against faulty endpoints", () => {
  let noPrometheus: string;
  let envFile: ReturnType<typeof writeEnvFile>;
  const servers: RunningServer[] = [];
  let certificate: TestCertificate;

  before(async () => {
    noPrometheus = `http://127.0.0.1:${await closedPort()}`;
    envFile = writeEnvFile([]);
    certificate = await localhostCertificate();
  });
  after(async () => {
    await Promise.all(servers.map((server) => server.close()));
    envFile.remove();
  });

  async function serve(status: number, contentType: string, body: string): Promise<RunningServer> {
    const server = await startHttpServer((_request, response) => {
      response.writeHead(status, { "Content-Type": contentType });
      response.end(body);
    });
    servers.push(server);
    return server;
  }

  function doctor(...args: string[]) {
    return runCli(["doctor", "--env-file", envFile.path, "--prometheus-url", noPrometheus, "--timeout", "3000", ...args]);
  }

  test("reports a refused connection with the questions to ask, and exits 1", async () => {
    const port = await closedPort();
    const result = await doctor("--target", `http://127.0.0.1:${port}/metrics`);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stdout, new RegExp(`✖ connection refused on 127\\.0\\.0\\.1:${port}`));
    assert.match(result.stdout, /is vLLM running\? is the port right\?/);
  });

  test("reports a host name that does not resolve and names VLLM_TARGET", async () => {
    const result = await doctorWith(["VLLM_TARGET=nonexistent.invalid:8000"], ["--prometheus-url", noPrometheus]);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stdout, /✖ cannot resolve host nonexistent\.invalid/);
    assert.match(result.stdout, /check the host name in VLLM_TARGET/);
  });

  test("explains a 404 as a wrong metrics path", async () => {
    const server = await serve(404, "text/plain", "Not Found");
    const result = await doctor("--target", `http://127.0.0.1:${server.port}/wrong`);
    assert.equal(result.code, 1);
    assert.match(result.stdout, /✖ HTTP 404 from \/wrong: nothing is served at \/wrong/);
    assert.match(result.stdout, /set VLLM_METRICS_PATH/);
  });

  test("says an HTML page is not metrics", async () => {
    const server = await serve(200, "text/html; charset=utf-8", "<!DOCTYPE html><html><body>Login</body></html>");
    const result = await doctor("--target", `http://127.0.0.1:${server.port}/metrics`);
    assert.equal(result.code, 1);
    assert.match(result.stdout, /✔ HTTP 200/);
    assert.match(result.stdout, /✖ the body is an HTML page, not Prometheus metrics/);
  });

  test("says a JSON body is not metrics", async () => {
    const server = await serve(200, "application/json", '{"object":"list","data":[]}');
    const result = await doctor("--target", `http://127.0.0.1:${server.port}/v1/models`);
    assert.equal(result.code, 1);
    assert.match(result.stdout, /✖ the body is JSON, not Prometheus metrics/);
  });

  test("explains a 500 and points at PROMETHEUS_MULTIPROC_DIR", async () => {
    const server = await serve(500, "text/plain", "Internal Server Error");
    const result = await doctor("--target", `http://127.0.0.1:${server.port}/metrics`);
    assert.equal(result.code, 1);
    assert.match(result.stdout, /✖ HTTP 500 from \/metrics/);
    assert.match(result.stdout, /PROMETHEUS_MULTIPROC_DIR.*vllm#49983/);
  });

  test("says when the target exports no vLLM metrics because it is node_exporter", async () => {
    const server = await serve(200, "text/plain; version=0.0.4", nodeExporterPage());
    const result = await doctor("--target", `http://127.0.0.1:${server.port}/metrics`);
    assert.equal(result.code, 1);
    assert.match(result.stdout, /✖ no vllm: metrics: this looks like node_exporter, not a vLLM server/);
  });

  test("passes a healthy plain-HTTP target, lists its model and engines, and exits 0", async () => {
    const server = await serve(200, "text/plain; version=0.0.4; charset=utf-8", currentVllmPage("demo-model"));
    const result = await doctor("--target", `http://127.0.0.1:${server.port}/metrics`);
    assert.equal(result.code, 0, result.stdout);
    assert.match(result.stdout, /✔ current vLLM V1 metrics .*models: demo-model; engines: 0, 1/);
    assert.doesNotMatch(result.stdout, /✖/);
    // The page has only two gauges: latency panels would be empty, and doctor says which series they lack.
    assert.match(result.stdout, /⚠ \d+ of \d+ dashboard panels fed by this target would be empty/);
    assert.ok(result.stdout.includes(`no ${vllm.timeToFirstToken.name}_bucket`), result.stdout);
  });

  test("sends the token as a bearer header, reports its rejection by name, and never prints it", async () => {
    const seen: string[] = [];
    const server = await startHttpServer((request, response) => {
      seen.push(request.headers.authorization ?? "");
      // A careless server that echoes the credential back must not leak it through doctor either.
      response.writeHead(request.headers.authorization === `Bearer ${TOKEN}` ? 200 : 401, { "Content-Type": "text/plain" });
      response.end(`unauthorized: ${request.headers.authorization ?? ""}`);
    });
    servers.push(server);
    const env = writeEnvFile([`VLLM_TARGET=127.0.0.1:${server.port}`, `VLLM_METRICS_AUTH_TOKEN=${WRONG_TOKEN}`]);
    try {
      const text = await runCli(["doctor", "--env-file", env.path, "--prometheus-url", noPrometheus]);
      const json = await runCli(["doctor", "--env-file", env.path, "--prometheus-url", noPrometheus, "--json"]);
      assert.deepEqual(seen, [`Bearer ${WRONG_TOKEN}`, `Bearer ${WRONG_TOKEN}`]);
      assert.equal(text.code, 1);
      assert.equal(json.code, 1);
      assert.match(
        text.stdout,
        /✖ HTTP 401 from \/metrics: the endpoint rejected the token in VLLM_METRICS_AUTH_TOKEN; vLLM itself never asks for a token on \/metrics/,
      );
      assert.match(text.stdout, /fix: set VLLM_METRICS_AUTH_TOKEN to the token that gateway or proxy expects/);
      const report = JSON.parse(json.stdout) as { ok: boolean; targets: { checks: { check: string; status: string }[] }[] };
      assert.equal(report.ok, false);
      assert.ok(report.targets[0]?.checks.some((check) => check.check === "http" && check.status === "problem"));
      for (const output of [text.stdout, text.stderr, json.stdout, json.stderr])
        assert.ok(!output.includes(WRONG_TOKEN), "the token leaked into output");
    } finally {
      env.remove();
    }
  });

  test("asks for VLLM_METRICS_AUTH_TOKEN when the server wants a token and none is set", async () => {
    const server = await serve(401, "text/plain", "unauthorized");
    const result = await doctor("--target", `http://127.0.0.1:${server.port}/metrics`);
    assert.equal(result.code, 1);
    assert.match(result.stdout, /the endpoint wants a bearer token and none is set/);
    assert.match(result.stdout, /set VLLM_METRICS_AUTH_TOKEN/);
  });

  test("detects plain HTTP sent to an HTTPS server and suggests https://", async () => {
    const server = await startHttpsServer(certificate, (_request, response) => response.end(currentVllmPage("m")));
    servers.push(server);
    const result = await doctor("--target", `http://localhost:${server.port}/metrics`);
    assert.equal(result.code, 1);
    assert.match(result.stdout, new RegExp(`✖ localhost:${server.port} speaks HTTPS, not plain HTTP`));
    assert.match(result.stdout, /use https:\/\//);
  });

  test("detects HTTPS sent to a plain HTTP server and suggests http://", async () => {
    const server = await serve(200, "text/plain", currentVllmPage("m"));
    const result = await doctor("--target", `https://127.0.0.1:${server.port}/metrics`);
    assert.equal(result.code, 1);
    assert.match(result.stdout, new RegExp(`✖ 127\\.0\\.0\\.1:${server.port} speaks plain HTTP, not HTTPS`));
    assert.match(result.stdout, /use http:\/\/ in --target, or SCHEMA=http/);
  });

  describe("with a self-signed certificate for localhost", () => {
    let server: RunningServer;
    let withCa: ReturnType<typeof writeEnvFile>;

    before(async () => {
      server = await startHttpsServer(certificate, (_request, response) => {
        response.writeHead(200, { "Content-Type": "text/plain; version=0.0.4" });
        response.end(currentVllmPage("tls-model"));
      });
      servers.push(server);
      withCa = writeEnvFile([]);
      const caFile = join(withCa.dir, "ca.pem");
      writeFileSync(caFile, certificate.certPem);
      writeFileSync(withCa.path, `VLLM_TLS_CA_FILE=${caFile}\n`);
    });
    after(() => withCa.remove());

    test("reports an unknown CA and suggests VLLM_TLS_CA_FILE when no CA is given", async () => {
      const result = await doctor("--target", `https://localhost:${server.port}/metrics`);
      assert.equal(result.code, 1);
      assert.match(
        result.stdout,
        /✖ the server's certificate \(DNS:localhost\) is signed by an unknown CA, e.g. self-signed \(DEPTH_ZERO_SELF_SIGNED_CERT\)/,
      );
      assert.match(result.stdout, /set VLLM_TLS_CA_FILE to the PEM file of the CA/);
    });

    test("trusts the certificate with VLLM_TLS_CA_FILE and exits 0", async () => {
      const result = await runCli([
        "doctor",
        "--env-file",
        withCa.path,
        "--prometheus-url",
        noPrometheus,
        "--target",
        `https://localhost:${server.port}/metrics`,
      ]);
      assert.equal(result.code, 0, result.stdout);
      assert.match(result.stdout, /✔ TLS certificate \(DNS:localhost\) is trusted and matches localhost/);
      assert.match(result.stdout, /models: tls-model/);
    });

    test("names the certificate's names when the target uses another host name", async () => {
      const result = await runCli([
        "doctor",
        "--env-file",
        withCa.path,
        "--prometheus-url",
        noPrometheus,
        "--target",
        `https://127.0.0.1:${server.port}/metrics`,
      ]);
      assert.equal(result.code, 1);
      assert.match(result.stdout, /✖ the certificate is for DNS:localhost, not for 127\.0\.0\.1/);
      assert.match(result.stdout, /reissue the certificate with 127\.0\.0\.1 in its subjectAltName/);
    });
  });

  test("rejects bad input with exit 2 and lists every problem at once", async () => {
    const result = await doctorWith(["VLLM_TARGET=http://bad host", "SCHEMA=ftp", "this is not an assignment"], ["--timeout", "soon"]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--timeout "soon" is not a positive number/);
    assert.match(result.stderr, /SCHEMA \(.*\.env:2\): must be http or https/);
    assert.match(result.stderr, /VLLM_TARGET \(.*\.env:1\): item "http:\/\/bad host" is not a valid URL/);
    assert.match(result.stderr, /\.env:3: /);
    assert.equal(result.stdout, "");
  });

  test("rejects an --env-file that does not exist with exit 2", async () => {
    // why: in-process, because node 20 itself claims `--env-file` after the script name and exits 9 when the file is missing.
    const written: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    const stateHome = process.env.XDG_STATE_HOME;
    // An empty registry of its own: stacks running on this machine are not this test's.
    process.env.XDG_STATE_HOME = join(envFile.dir, "state");
    process.stderr.write = ((chunk: string | Uint8Array) => written.push(String(chunk)) > 0) as typeof process.stderr.write;
    try {
      assert.equal(await main(["node", "vllm-monitor", "doctor", "--env-file", join(envFile.dir, "missing.env")]), 2);
    } finally {
      process.stderr.write = write;
      if (stateHome === undefined) delete process.env.XDG_STATE_HOME;
      else process.env.XDG_STATE_HOME = stateHome;
    }
    assert.match(written.join(""), /missing\.env does not exist/);
  });
});
