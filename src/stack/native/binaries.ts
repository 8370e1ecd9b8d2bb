/**
 * Finds the programs the native stack runs: an explicit `*_BIN` variable wins, else the first
 * candidate name found on PATH. Only Prometheus is required; the others are optional.
 */
import { accessSync, constants, existsSync, statSync } from "node:fs";
import { delimiter, dirname, join, resolve } from "node:path";
import { UserError } from "../../errors.js";

export interface Executable {
  readonly path: string;
  /** How it was found, for `status` and error messages: `PROMETHEUS_BIN` or `PATH`. */
  readonly source: string;
}

export interface NativeBinaries {
  readonly prometheus: Executable;
  readonly nodeExporter?: Executable;
  readonly alertmanager?: Executable;
  readonly grafana?: GrafanaInstall;
}

export interface GrafanaInstall extends Executable {
  /** Grafana's `--homepath`: the folder holding `conf/defaults.ini` and `public/`. */
  readonly homePath: string;
  /** Grafana 10+ ships one `grafana` binary whose server is the `server` subcommand. */
  readonly style: "grafana server" | "grafana-server";
}

type Env = Readonly<Record<string, string | undefined>>;

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first of `names` found in the PATH of `env`, or undefined. */
export function findOnPath(names: readonly string[], env: Env): string | undefined {
  const folders = (env.PATH ?? "").split(delimiter).filter((folder) => folder !== "");
  for (const name of names) {
    for (const folder of folders) {
      const candidate = join(folder, name);
      if (isExecutableFile(candidate)) return candidate;
    }
  }
  return undefined;
}

/**
 * Looks a program up by its variable, then on PATH. A variable that names no executable file is a
 * problem added to `problems` (all problems are reported together by the caller).
 */
export function findExecutable(variable: string, names: readonly string[], env: Env, problems: string[]): Executable | undefined {
  const explicit = env[variable]?.trim();
  if (explicit !== undefined && explicit !== "") {
    const path = resolve(explicit);
    if (isExecutableFile(path)) return { path, source: variable };
    problems.push(`${variable}=${explicit} is not an executable file: fix the path or unset ${variable} to search PATH for ${names.join(" / ")}`);
    return undefined;
  }
  const found = findOnPath(names, env);
  return found === undefined ? undefined : { path: found, source: "PATH" };
}

const PROMETHEUS_INSTALL_HINTS = [
  "Debian/Ubuntu: sudo apt-get install prometheus (then `sudo systemctl disable --now prometheus` if you do not want the system service)",
  "any Linux: download the tarball from https://prometheus.io/download/ and unpack it",
  "then put `prometheus` on PATH, or set PROMETHEUS_BIN=/path/to/prometheus in .env",
];

/** Grafana's home: `GRAFANA_HOME`, the folder above a tarball's `bin/`, or Debian's /usr/share/grafana. */
function grafanaHome(binary: string, env: Env): string | undefined {
  const candidates = [env.GRAFANA_HOME, dirname(dirname(binary)), "/usr/share/grafana"];
  return candidates.find((home): home is string => home !== undefined && home !== "" && existsSync(join(home, "conf", "defaults.ini")));
}

function findGrafana(env: Env, problems: string[]): GrafanaInstall | undefined {
  const home = env.GRAFANA_HOME?.trim();
  let found: Executable | undefined;
  if (home !== undefined && home !== "") {
    const inHome = ["grafana", "grafana-server"].map((name) => join(home, "bin", name)).find(isExecutableFile);
    if (inHome === undefined) {
      problems.push(`GRAFANA_HOME=${home} has no bin/grafana or bin/grafana-server: point it at an unpacked Grafana release, or unset it`);
      return undefined;
    }
    found = { path: inHome, source: "GRAFANA_HOME" };
  } else {
    found = findExecutable("GRAFANA_BIN", ["grafana", "grafana-server"], env, problems);
  }
  if (found === undefined) return undefined;
  const homePath = grafanaHome(found.path, env);
  if (homePath === undefined) {
    problems.push(`found Grafana at ${found.path} but not its home folder (conf/defaults.ini): set GRAFANA_HOME to the unpacked release`);
    return undefined;
  }
  const style = found.path.endsWith("grafana-server") ? "grafana-server" : "grafana server";
  return { ...found, homePath, style };
}

/** Finds every program; throws one UserError listing all problems (a missing Prometheus among them). */
export function locateBinaries(env: Env): NativeBinaries {
  const problems: string[] = [];
  const prometheus = findExecutable("PROMETHEUS_BIN", ["prometheus"], env, problems);
  const nodeExporter = findExecutable("NODE_EXPORTER_BIN", ["node_exporter", "prometheus-node-exporter"], env, problems);
  const alertmanager = findExecutable("ALERTMANAGER_BIN", ["alertmanager", "prometheus-alertmanager"], env, problems);
  const grafana = findGrafana(env, problems);
  if (prometheus === undefined && !problems.some((problem) => problem.startsWith("PROMETHEUS_BIN"))) {
    problems.unshift("Prometheus is not installed: no `prometheus` on PATH and PROMETHEUS_BIN is not set", ...PROMETHEUS_INSTALL_HINTS);
  }
  if (problems.length > 0 || prometheus === undefined) {
    throw new UserError("Cannot start the native stack: a program it needs is missing or misconfigured.", problems);
  }
  return { prometheus, nodeExporter, alertmanager, grafana };
}
