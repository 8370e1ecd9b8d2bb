import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer, type RequestListener, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { generate } from "selfsigned";
import { findFreePort } from "../../src/process/index.js";
import { runCli as runCliInProcess } from "../helpers/cli.js";

const REPO = fileURLToPath(new URL("../../", import.meta.url));
/** An empty registry: doctor sees no running stack. */
const REGISTRY = mkdtempSync(join(tmpdir(), "doctor-registry-"));
process.once("exit", () => rmSync(REGISTRY, { recursive: true, force: true }));

export interface RunningServer {
  readonly port: number;
  close(): Promise<void>;
}

async function listen(server: Server): Promise<RunningServer> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address !== "object") throw new Error("the test server has no port");
  return {
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A plain HTTP server on 127.0.0.1 and a free port. */
export function startHttpServer(handler: RequestListener): Promise<RunningServer> {
  return listen(createHttpServer(handler));
}

export interface TestCertificate {
  readonly certPem: string;
  readonly keyPem: string;
}

/** A self-signed certificate valid for DNS name `localhost` only (not for 127.0.0.1). */
export async function localhostCertificate(): Promise<TestCertificate> {
  const pems = await generate([{ name: "commonName", value: "localhost" }], {
    keySize: 2048,
    extensions: [{ name: "subjectAltName", altNames: [{ type: 2, value: "localhost" }] }],
  });
  return { certPem: pems.cert, keyPem: pems.private };
}

/** An HTTPS server with the given certificate on 127.0.0.1. */
export function startHttpsServer(certificate: TestCertificate, handler: RequestListener): Promise<RunningServer> {
  return listen(createHttpsServer({ cert: certificate.certPem, key: certificate.keyPem }, handler) as unknown as Server);
}

/** A port nothing listens on (taken from the kernel, then released). */
export function closedPort(): Promise<number> {
  return findFreePort();
}

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Writes a .env into a fresh folder; returns its path and a cleanup. */
export function writeEnvFile(lines: readonly string[]): { path: string; dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), "doctor-test-"));
  const path = join(dir, ".env");
  writeFileSync(path, `${lines.join("\n")}\n`, { mode: 0o600 });
  return { path, dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Runs `vllm-monitor doctor --env-file <a .env of these lines> <args>` in this process; the .env is removed after. */
export async function doctorWith(envLines: readonly string[], args: readonly string[] = []): Promise<CliResult> {
  const env = writeEnvFile(envLines);
  try {
    return await runCli(["doctor", "--env-file", env.path, ...args]);
  } finally {
    env.remove();
  }
}

/**
 * Runs `vllm-monitor <args>` in this process, with none of our variables inherited from the test's
 * environment and a stack registry of its own (so no running stack of the developer's is seen).
 */
export async function runCli(args: readonly string[]): Promise<CliResult> {
  const { code, stdout, stderr } = await runCliInProcess(args, { cwd: REPO, env: { XDG_STATE_HOME: REGISTRY } });
  return { code, stdout, stderr };
}
