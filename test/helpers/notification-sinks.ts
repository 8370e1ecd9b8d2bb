/**
 * Local stand-ins for the places alerts go, on real sockets: one HTTP server that answers like a
 * generic webhook (200), Slack's incoming webhook (200 "ok") and PagerDuty's Events API v2 (202)
 * on its own path each and keeps every JSON body; and a real SMTP server (Debian's aiosmtpd,
 * `python3 -m aiosmtpd`) whose Debugging handler prints each message, kept as text.
 */
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { findFreePort, startProcess, waitUntil, type ManagedProcess } from "../../src/process/index.js";

export interface HttpSinks {
  readonly webhookUrl: string;
  readonly slackUrl: string;
  readonly pagerdutyUrl: string;
  /** JSON bodies received, by path (`/webhook`, `/slack`, `/pagerduty`). */
  readonly received: Map<string, unknown[]>;
  close(): Promise<void>;
}

const ANSWERS: Record<string, { status: number; body: string }> = {
  "/webhook": { status: 200, body: "" },
  "/slack": { status: 200, body: "ok" },
  "/pagerduty": { status: 202, body: JSON.stringify({ status: "success", message: "Event processed", dedup_key: "test" }) },
};

export async function startHttpSinks(): Promise<HttpSinks> {
  const received = new Map<string, unknown[]>();
  const server = createServer((request: IncomingMessage, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.once("end", () => {
      const path = (request.url ?? "").split("?")[0] ?? "";
      const answer = ANSWERS[path];
      if (answer === undefined || request.method !== "POST") {
        response.writeHead(404).end();
        return;
      }
      const list = received.get(path) ?? [];
      list.push(JSON.parse(Buffer.concat(chunks).toString("utf8")) as unknown);
      received.set(path, list);
      response.writeHead(answer.status, { "content-type": path === "/slack" ? "text/plain" : "application/json" }).end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    webhookUrl: `${base}/webhook`,
    slackUrl: `${base}/slack`,
    pagerdutyUrl: `${base}/pagerduty`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface SmtpSink {
  /** host:port for ALERT_SMTP_HOST. */
  readonly address: string;
  /** Each message as the handler printed it, quoted-printable soft breaks joined. */
  messages(): string[];
  close(): Promise<void>;
}

const PYTHON = process.env.PYTHON3_BIN ?? "/usr/bin/python3";

export async function startSmtpSink(): Promise<SmtpSink> {
  const port = await findFreePort();
  const lines: string[] = [];
  let listening = false;
  // why: -u, or Python would hold the printed messages in its pipe buffer.
  const child: ManagedProcess = startProcess({
    name: "aiosmtpd",
    command: PYTHON,
    args: ["-u", "-m", "aiosmtpd", "-n", "-l", `127.0.0.1:${port}`, "-c", "aiosmtpd.handlers.Debugging"],
    onLine: (line) => lines.push(line),
  });
  await waitUntil(
    async () => {
      listening = await new Promise<boolean>((resolve) => {
        import("node:net").then(({ connect }) => {
          const socket = connect(port, "127.0.0.1");
          socket.once("connect", () => {
            socket.destroy();
            resolve(true);
          });
          socket.once("error", () => resolve(false));
        });
      });
      return listening;
    },
    { what: "aiosmtpd listening", timeoutMs: 20_000, intervalMs: 100 },
  );
  return {
    address: `127.0.0.1:${port}`,
    messages: () =>
      lines
        .join("\n")
        .split("---------- MESSAGE FOLLOWS ----------")
        .slice(1)
        .map((message) => message.split("------------ END MESSAGE ------------")[0] ?? "")
        .map((message) => message.replace(/=\r?\n/g, "").replace(/=3D/g, "=")),
    close: async () => {
      await child.stop();
    },
  };
}
