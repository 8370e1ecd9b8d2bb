import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { findFreePort } from "../../src/process/index.js";
import { checkRemoteWrite } from "../../src/doctor/remote-write.js";
import { formatReport, runDoctor } from "../../src/doctor/index.js";
import { startReceiver, type Receiver } from "../helpers/receiver.js";

const BASIC = `Basic ${Buffer.from("tenant:right-password").toString("base64")}`;

describe("doctor's remote-write check (a real HTTP receiver in this process)", () => {
  let receiver: Receiver;
  before(async () => {
    receiver = await startReceiver(BASIC);
  });
  after(() => receiver.close());

  test("says the endpoint accepts a write with the configured credentials", async () => {
    const result = await checkRemoteWrite({ url: receiver.writeUrl, username: "tenant", password: "right-password", timeoutMs: 2_000 });
    assert.equal(result.status, "ok");
    assert.equal(
      result.message,
      `remote-write endpoint ${receiver.writeUrl} accepts a write with REMOTE_WRITE_USERNAME/REMOTE_WRITE_PASSWORD (HTTP 204)`,
    );
  });

  test("says the endpoint rejects wrong credentials, naming the variables, and that it asks for some when none are set", async () => {
    const wrong = await checkRemoteWrite({ url: receiver.writeUrl, username: "tenant", password: "wrong", timeoutMs: 2_000 });
    assert.equal(wrong.status, "problem");
    assert.match(
      wrong.message,
      /rejects the credentials \(HTTP 401: unauthorized: bad credentials; sent: REMOTE_WRITE_USERNAME\/REMOTE_WRITE_PASSWORD\)/,
    );
    assert.match(wrong.fix ?? "", /^check REMOTE_WRITE_USERNAME\/REMOTE_WRITE_PASSWORD/);
    const token = await checkRemoteWrite({ url: receiver.writeUrl, token: "some-token", timeoutMs: 2_000 });
    assert.match(token.message, /sent: REMOTE_WRITE_BEARER_TOKEN/);
    const none = await checkRemoteWrite({ url: receiver.writeUrl, timeoutMs: 2_000 });
    assert.match(
      none.fix ?? "",
      /it asks for credentials: set REMOTE_WRITE_BEARER_TOKEN, or REMOTE_WRITE_USERNAME and REMOTE_WRITE_PASSWORD/,
    );
  });

  test("says when no receiver is at that path, or nothing listens at all", async () => {
    const wrongPath = await checkRemoteWrite({
      url: receiver.writeUrl.replace("/api/v1/write", "/write"),
      username: "tenant",
      password: "right-password",
      timeoutMs: 2_000,
    });
    assert.equal(wrongPath.status, "problem");
    assert.match(wrongPath.message, /answers HTTP 404: no remote-write receiver at that path/);
    assert.match(
      wrongPath.fix ?? "",
      /VictoriaMetrics \/api\/v1\/write, Mimir and Cortex \/api\/v1\/push, Thanos Receive \/api\/v1\/receive/,
    );
    const refused = await checkRemoteWrite({ url: `http://127.0.0.1:${await findFreePort()}/api/v1/write`, timeoutMs: 2_000 });
    assert.equal(refused.status, "problem");
    assert.match(refused.message, /does not answer \(ECONNREFUSED/);
    assert.match(refused.fix ?? "", /start the central store/);
  });

  test("sends what Prometheus sends: a snappy protobuf write request with the remote-write headers", async () => {
    const seen: { headers: Record<string, string | string[] | undefined>; body: Buffer }[] = [];
    const server: Server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", () => {
        seen.push({ headers: request.headers, body: Buffer.concat(chunks) });
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/push?tenant=a`;
      assert.equal((await checkRemoteWrite({ url, token: "tok", timeoutMs: 2_000 })).status, "ok");
      assert.equal(seen[0]?.headers["content-encoding"], "snappy");
      assert.equal(seen[0]?.headers["content-type"], "application/x-protobuf");
      assert.equal(seen[0]?.headers["x-prometheus-remote-write-version"], "0.1.0");
      assert.equal(seen[0]?.headers.authorization, "Bearer tok");
      assert.deepEqual([...(seen[0]?.body ?? [])], [0], "an empty WriteRequest, snappy-compressed");
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  test("never shows a remote-write secret, even when the receiver echoes it", async () => {
    const server: Server = createServer((request, response) => {
      request.resume();
      request.on("end", () =>
        response.writeHead(403, { "content-type": "text/plain" }).end(`denied for ${request.headers.authorization ?? ""}\n`),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/write`;
      const report = await runDoctor({
        targets: [],
        dashboards: [],
        settings: { insecureSkipVerify: false, timeoutMs: 2_000, remoteWrite: { url, token: "tok-very-secret" } },
      });
      assert.equal(report.ok, false);
      const text = formatReport(report);
      assert.match(text, /✖ remote-write endpoint .* rejects the credentials \(HTTP 403: denied for Bearer \[hidden\]/);
      assert.match(text, /Problems found: 0 of 0 targets, and in remote write\./);
      assert.ok(!JSON.stringify(report).includes("tok-very-secret"));
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
