/** What the fleet benchmarks share: simulator processes, our rendered config, /proc figures. Prints nothing. */
import { readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { loadSettings } from "../src/config/load.js";
import { parseExposition } from "../src/exposition/index.js";
import { isPortFree, startProcess, waitUntil, type ManagedProcess } from "../src/process/index.js";
import { nativeEndpoints } from "../src/render/endpoints.js";
import { OUTPUT_LAYOUT } from "../src/render/layout.js";
import { renderStackConfig } from "../src/render/stack.js";
import { writeOutputTree } from "../src/render/writer.js";

export interface SimulatorProcess {
  readonly child: ManagedProcess;
  /** `127.0.0.1:port` of every instance. */
  readonly addresses: string[];
}

// why: below Linux's ephemeral range (32768+), where Prometheus's own connections and other processes' would otherwise land inside a block.
const BLOCK_SEARCH_START = 12_000;
const BLOCK_SEARCH_END = 32_000;

/** The first port of `count` consecutive free ports below the ephemeral range, avoiding `taken`. */
async function freeBlock(count: number, taken: ReadonlySet<number>): Promise<number> {
  for (let first = BLOCK_SEARCH_START; first + count < BLOCK_SEARCH_END; first += count) {
    let free = true;
    for (let port = first; port < first + count && free; port += 1) free = !taken.has(port) && (await isPortFree(port));
    if (free) return first;
  }
  throw new Error(`no ${count} consecutive free ports between ${BLOCK_SEARCH_START} and ${BLOCK_SEARCH_END}`);
}

/** `vllm-monitor simulate --instances N` as its own process (through tsx, like `npm run bench:simulator`), on its own block of ports. */
export async function startSimulatorProcess(
  instances: number,
  load: string,
  seed: number,
  taken: ReadonlySet<number> = new Set(),
): Promise<SimulatorProcess> {
  const port = await freeBlock(instances, taken);
  const child = startProcess({
    name: "simulate",
    command: process.execPath,
    args: [
      "--import",
      "tsx",
      "src/cli/main.ts",
      "simulate",
      "--port",
      String(port),
      "--instances",
      String(instances),
      "--load",
      load,
      "--seed",
      String(seed),
    ],
  });
  let firstPort = 0;
  await waitUntil(
    () => {
      if (child.child.exitCode !== null) throw new Error(`the simulator exited: ${child.recentOutput().slice(-5).join(" | ")}`);
      const lines = child.recentOutput();
      const match = lines.map((line) => /^\s+https?:\/\/[^:\s]+:(\d+)\/v1\b/.exec(line)).find((found) => found !== null);
      firstPort = Number(match?.[1] ?? 0);
      return firstPort > 0 && lines.some((line) => line.includes("press Ctrl+C"));
    },
    { what: `${instances} simulated instances to listen`, timeoutMs: 180_000 },
  );
  return { child, addresses: Array.from({ length: instances }, (_, index) => `127.0.0.1:${firstPort + index}`) };
}

/**
 * Our Prometheus configuration, rendered the way `vllm-monitor conf prometheus --mode native`
 * does, for these vLLM targets (a file_sd file) and `.env` lines; no exporter of this host.
 * Returns the path of prometheus.yml.
 */
export async function renderedConfig(dir: string, targets: readonly string[], envLines: readonly string[]): Promise<string> {
  const targetsFile = join(dir, "vllm-targets.json");
  writeFileSync(targetsFile, JSON.stringify([{ targets }]));
  writeFileSync(join(dir, ".env"), [`VLLM_TARGETS_FILE=${targetsFile}`, "ADMIN_PASSWORD=bench-admin-password", ...envLines, ""].join("\n"));
  const settings = loadSettings({ envFile: join(dir, ".env"), environment: {} });
  const outDir = join(dir, "build");
  const rendered = await renderStackConfig(settings, {
    mode: "native",
    outDir,
    endpoints: nativeEndpoints(settings, new Set(["prometheus"])),
    part: "prometheus",
  });
  await writeOutputTree(outDir, rendered.files, { ownedRoots: rendered.ownedRoots });
  return join(outDir, OUTPUT_LAYOUT.prometheusConfig);
}

/** Resident set size of a pid in MiB (Linux /proc). */
export function rssMib(pid: number): number {
  try {
    const line = readFileSync(`/proc/${pid}/status`, "utf8")
      .split("\n")
      .find((entry) => entry.startsWith("VmRSS:"));
    return Number(/(\d+)/.exec(line ?? "")?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

/** CPU seconds (user + system) a pid has used. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

export function percentile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

/** The machine and how busy it is, printed before and after each run (it is shared). */
export function conditions(): string {
  const [one, five] = loadavg();
  return `${cpus().length} cores (${cpus()[0]?.model ?? "?"}), load average ${one?.toFixed(2)} (1 min) / ${five?.toFixed(2)} (5 min)`;
}

export function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(s|m)$/.exec(text);
  if (match === null) throw new Error(`${text}: use e.g. 90s or 10m`);
  return Number(match[1]) * (match[2] === "m" ? 60_000 : 1_000);
}

/** Values of one metric on a process's own /metrics page (Prometheus about itself), by label text. */
export async function ownMetric(baseUrl: string, name: string): Promise<number[]> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  return parseExposition(text)
    .families.flatMap((family) => family.samples)
    .filter((sample) => sample.name === name)
    .map((sample) => sample.value);
}
