import { setTimeout as sleep } from "node:timers/promises";
import { readFile } from "node:fs/promises";
import { createServer as createHttpServer, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { hostname } from "node:os";
import { UserError } from "../errors.js";
import { findFreePort } from "../process/index.js";
import { GpuFleet } from "./gpu/gpu.js";
import { FAULTS_PATH, injectFault, type GpuFaults } from "./gpu/faults.js";
import { SimulatedInstance } from "./engine/instance.js";
import { resolveOptions, type ResolvedOptions, type SimulatorOptions } from "./options.js";
import { Random } from "./engine/random.js";
import { createHandler } from "./http/server.js";
import { ProcessMetrics } from "./http/server-metrics.js";
import { selfSignedCertificate, type TlsMaterial } from "./http/tls.js";
import { TruthWriter, truthRecord } from "./engine/truth.js";

export type { SimulatorOptions } from "./options.js";
export { DEFAULT_MODEL, resolveOptions } from "./options.js";
export { LOAD_PROFILES } from "./engine/load.js";
export { GPU_FIELD_SETS, GPU_FORMATS, type GpuFormat } from "./gpu/reading.js";
export { FAULTS_PATH, type GpuFaults } from "./gpu/faults.js";
export type { TruthRecord } from "./engine/truth.js";

export interface RunningSimulator {
  /** Base URL of each instance, e.g. http://127.0.0.1:8000. */
  readonly urls: string[];
  /** Base URL of the GPU metrics server (its page is `/metrics`). */
  readonly gpuUrl?: string;
  /** With TLS: the certificate PEM to trust (self-signed, or the one given). */
  readonly caCertPem?: string;
  /** The seed in use (given or drawn), so a run can be replayed. */
  readonly seed: number;
  /** Faults to inject into the simulated GPUs (with `gpuPort`); the GPU page serves them as `POST /faults/…` too. */
  readonly gpuFaults?: GpuFaults;
  /**
   * Stops the built-in load and resolves once every engine has finished what it held (API
   * requests still come in); the counters then stay put. Rejects after `timeoutMs`.
   */
  drain(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

const GPU_UPDATE_MS = 500;

/** Starts N simulated vLLM servers (and optionally a dcgm-exporter or nvidia_gpu_exporter) in this process. */
export async function startSimulator(options: SimulatorOptions): Promise<RunningSimulator> {
  const resolved = resolveOptions(options);
  const tls = await loadTls(resolved);
  const truth = resolved.truthFile === undefined ? undefined : await openTruth(resolved.truthFile);
  const processMetrics = new ProcessMetrics();
  const startPerfMs = performance.now();
  const startUnixMs = Date.now();
  // why: many instances in one process share the CPU; a coarser tick keeps each one cheap.
  const minTickMs = resolved.instances > 16 ? 50 : resolved.instances > 1 ? 10 : 2;
  const instances = Array.from({ length: resolved.instances }, (_, index) => {
    const model = resolved.models[index % resolved.models.length] as string;
    return new SimulatedInstance({
      index,
      model,
      engines: resolved.engines,
      seed: resolved.seed,
      metricsVersion: resolved.metricsVersion,
      load: resolved.load,
      latencies: resolved.latencies,
      maxNumSeqs: resolved.maxNumSeqs,
      maxNumBatchedTokens: resolved.maxNumBatchedTokens,
      kvBlocks: resolved.kvBlocks,
      maxModelLen: resolved.maxModelLen,
      speculativeTokens: resolved.speculativeTokens,
      loraAdapters: resolved.loraAdapters,
      enableMfuMetrics: resolved.enableMfuMetrics,
      kvCacheMetrics: resolved.kvCacheMetrics,
      kvConnector: resolved.kvConnector,
      multimodal: resolved.multimodal,
      maxNumQueuedReqs: resolved.maxNumQueuedReqs,
      maxNumQueuedTokens: resolved.maxNumQueuedTokens,
      minTickMs,
      recordTokenTimes: truth !== undefined,
      startPerfMs,
      startUnixMs,
      processMetrics,
      ...(truth === undefined
        ? {}
        : { onFinished: (instance, request) => truth.write(truthRecord(request, model, instance.config.index, startUnixMs / 1000)) }),
    });
  });
  const servers = instances.map((instance) => {
    const handler = createHandler(instance, { token: resolved.token });
    return tls === undefined ? createHttpServer(handler) : createHttpsServer({ cert: tls.cert, key: tls.key }, handler);
  });
  let gpu: { server: Server; interval: NodeJS.Timeout; url: string; faults: GpuFaults } | undefined;
  try {
    const firstPort = await listenConsecutive(servers, resolved.host, resolved.port);
    if (resolved.gpuPort !== undefined) gpu = await startGpuServer(resolved, instances);
    const scheme = tls === undefined ? "http" : "https";
    const urlHost = resolved.host.includes(":") ? `[${resolved.host}]` : resolved.host;
    return {
      urls: servers.map((_, index) => `${scheme}://${urlHost}:${firstPort + index}`),
      ...(gpu === undefined ? {} : { gpuUrl: gpu.url, gpuFaults: gpu.faults }),
      ...(tls === undefined ? {} : { caCertPem: tls.cert }),
      seed: resolved.seed,
      drain: async (timeoutMs = 120_000) => {
        for (const instance of instances) instance.stopLoad();
        const deadline = Date.now() + timeoutMs;
        while (!instances.every((instance) => instance.idle())) {
          if (Date.now() > deadline) throw new Error(`the simulated engines still held requests after ${timeoutMs} ms`);
          await sleep(50);
        }
      },
      close: async () => {
        for (const instance of instances) instance.close();
        if (gpu !== undefined) {
          clearInterval(gpu.interval);
          await closeServer(gpu.server);
        }
        await Promise.all(servers.map(closeServer));
        await truth?.close();
      },
    };
  } catch (error) {
    for (const instance of instances) instance.close();
    await Promise.all(servers.filter((server) => server.listening).map(closeServer));
    await truth?.close();
    throw error;
  }
}

async function loadTls(options: ResolvedOptions): Promise<TlsMaterial | undefined> {
  if (options.tls === undefined) return undefined;
  const { certFile, keyFile } = options.tls;
  if (certFile === undefined || keyFile === undefined) return selfSignedCertificate(options.host);
  const problems: string[] = [];
  const read = async (file: string, flag: string) =>
    readFile(file, "utf8").catch((error: NodeJS.ErrnoException) => {
      problems.push(`${flag} ${file}: ${error.code === "ENOENT" ? "no such file" : error.message}`);
      return "";
    });
  const [cert, key] = await Promise.all([read(certFile, "--cert"), read(keyFile, "--key")]);
  if (problems.length > 0) throw new UserError("cannot read the TLS files", problems);
  return { cert, key };
}

async function openTruth(file: string): Promise<TruthWriter> {
  try {
    return await TruthWriter.open(file);
  } catch (error) {
    throw new UserError("cannot write the truth file", [`--truth-file ${file}: ${(error as Error).message}`]);
  }
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once("error", onError);
    server.listen(port, host, () => {
      server.off("error", onError);
      resolve();
    });
  });
}

async function closeServer(server: Server): Promise<void> {
  if (!server.listening) return;
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** Binds the servers to first, first+1, …; with port 0 finds a free run of ports. */
async function listenConsecutive(servers: Server[], host: string, port: number): Promise<number> {
  const attempts = port === 0 ? 20 : 1;
  let lastError: NodeJS.ErrnoException | undefined;
  for (let attempt = 0; attempt < attempts; attempt += 1) {
    const first = port !== 0 ? port : servers.length === 1 ? 0 : await findFreePort(host);
    try {
      for (let index = 0; index < servers.length; index += 1) await listen(servers[index] as Server, first === 0 ? 0 : first + index, host);
      const address = servers[0]?.address();
      return typeof address === "object" && address !== null ? address.port : first;
    } catch (error) {
      lastError = error as NodeJS.ErrnoException;
      await Promise.all(servers.filter((server) => server.listening).map(closeServer));
    }
  }
  const detail = lastError?.code === "EADDRINUSE" ? "a port in the range is already in use" : (lastError?.message ?? "unknown error");
  const range = port === 0 ? "free ports" : servers.length === 1 ? `port ${port}` : `ports ${port}-${port + servers.length - 1}`;
  throw new UserError(`cannot listen on ${host}`, [`${range}: ${detail}; choose another --port (or --host)`]);
}

async function startGpuServer(
  options: ResolvedOptions,
  instances: readonly SimulatedInstance[],
): Promise<{ server: Server; interval: NodeJS.Timeout; url: string; faults: GpuFaults }> {
  const workloads = instances.flatMap((instance) =>
    instance.engines.map((engine) => ({
      busySeconds: () => engine.busySeconds,
      intenseSeconds: () => engine.intenseSeconds,
      usedBlocks: () => engine.pool.usedBlocks(),
      totalBlocks: () => engine.pool.totalBlocks,
    })),
  );
  const fleet = new GpuFleet(
    {
      gpus: options.gpus,
      format: options.gpuFormat,
      fieldSet: options.gpuFields,
      hostname: hostname(),
      hostnameLabel: options.gpuHostnameLabel,
      random: new Random(options.seed ^ 0x5bd1e995),
    },
    workloads,
  );
  let last = performance.now();
  const update = () => {
    const now = performance.now();
    for (const instance of instances) instance.advanceTo(instance.now());
    fleet.update((now - last) / 1000);
    last = now;
  };
  const interval = setInterval(update, GPU_UPDATE_MS);
  const faults: GpuFaults = {
    xid: (index, code) => fleet.injectXid(index, code),
    throttle: (index, reason, seconds) => fleet.throttle(index, reason, seconds),
    rowRemapFailure: (index) => fleet.failRowRemap(index),
  };
  const server = createHttpServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://simulator");
    if (url.pathname.startsWith(FAULTS_PATH)) {
      const outcome = injectFault(faults, req.method ?? "GET", url);
      res.writeHead(outcome.status, { "content-type": "text/plain" }).end(`${outcome.message}\n`);
      return;
    }
    if (url.pathname !== "/metrics") {
      res.writeHead(404, { "content-type": "text/plain" }).end("404 page not found\n");
      return;
    }
    const body = fleet.render();
    res.writeHead(200, { "content-type": "text/plain; version=0.0.4; charset=utf-8", "content-length": Buffer.byteLength(body) }).end(body);
  });
  try {
    await listen(server, options.gpuPort ?? 0, options.host);
  } catch (error) {
    clearInterval(interval);
    throw new UserError(`cannot listen on ${options.host}`, [
      `--gpu-port ${options.gpuPort}: ${(error as Error).message}; choose another --gpu-port`,
    ]);
  }
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : options.gpuPort;
  const urlHost = options.host.includes(":") ? `[${options.host}]` : options.host;
  return { server, interval, url: `http://${urlHost}:${port}`, faults };
}
