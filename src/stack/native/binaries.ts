/**
 * Finds the programs the native stack runs: an explicit `*_BIN` setting wins (the loader already
 * checked it is an executable), else the first candidate name found on PATH. Only Prometheus is
 * required; the others are optional.
 */
import { accessSync, constants, existsSync, statSync } from "node:fs";
import { delimiter, dirname, join } from "node:path";
import { describeProblem, type Settings } from "../../config/load.js";
import { service, type ServiceName } from "../../config/services.js";
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

type BinarySettings = Pick<Settings, "env" | "sources">;

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first of `names` found in `searchPath` (a PATH string), or undefined. */
export function findOnPath(names: readonly string[], searchPath: string): string | undefined {
  const folders = searchPath.split(delimiter).filter((folder) => folder !== "");
  for (const name of names) {
    for (const folder of folders) {
      const candidate = join(folder, name);
      if (isExecutableFile(candidate)) return candidate;
    }
  }
  return undefined;
}

function find(variable: string, explicit: string | undefined, names: readonly string[], searchPath: string): Executable | undefined {
  if (explicit !== undefined) return { path: explicit, source: variable };
  const found = findOnPath(names, searchPath);
  return found === undefined ? undefined : { path: found, source: "PATH" };
}

/** A service's program, by the service table's names and `*_BIN` variable. */
function findService(name: ServiceName, settings: BinarySettings, searchPath: string): Executable | undefined {
  const program = service(name).native;
  if (program?.variable === undefined) throw new Error(`the service table names no program for ${name}`);
  const explicit = settings.env[program.variable];
  return find(program.variable, typeof explicit === "string" ? explicit : undefined, program.programs, searchPath);
}

const PROMETHEUS_INSTALL_HINTS = [
  "Debian/Ubuntu: sudo apt-get install prometheus (then `sudo systemctl disable --now prometheus` if you do not want the system service)",
  "any Linux: download the tarball from https://prometheus.io/download/ and unpack it",
  "then put `prometheus` on PATH, or set PROMETHEUS_BIN=/path/to/prometheus in .env",
];

/** Grafana's home: GRAFANA_HOME, the folder above a tarball's `bin/`, or Debian's /usr/share/grafana. */
function grafanaHome(binary: string, home: string | undefined): string | undefined {
  const candidates = [home, dirname(dirname(binary)), "/usr/share/grafana"];
  return candidates.find(
    (candidate): candidate is string => candidate !== undefined && existsSync(join(candidate, "conf", "defaults.ini")),
  );
}

function findGrafana(settings: BinarySettings, searchPath: string, problems: string[]): GrafanaInstall | undefined {
  const home = settings.env.GRAFANA_HOME;
  let found: Executable | undefined;
  if (home !== undefined) {
    const inHome = (service("grafana").native?.programs ?? []).map((name) => join(home, "bin", name)).find(isExecutableFile);
    if (inHome === undefined) {
      problems.push(describeProblem("GRAFANA_HOME", settings.sources.GRAFANA_HOME, `${home} has no bin/grafana or bin/grafana-server`));
      return undefined;
    }
    found = { path: inHome, source: "GRAFANA_HOME" };
  } else {
    found = findService("grafana", settings, searchPath);
  }
  if (found === undefined) return undefined;
  const homePath = grafanaHome(found.path, home);
  if (homePath === undefined) {
    problems.push(
      describeProblem(
        "GRAFANA_HOME",
        settings.sources.GRAFANA_HOME,
        `is needed: Grafana was found at ${found.path} (${found.source}) but not its home folder (conf/defaults.ini)`,
      ),
    );
    return undefined;
  }
  const style = found.path.endsWith("grafana-server") ? "grafana-server" : "grafana server";
  return { ...found, homePath, style };
}

/** Finds every program; throws one UserError listing all problems (a missing Prometheus among them). */
export function locateBinaries(settings: BinarySettings, searchPath: string = process.env.PATH ?? ""): NativeBinaries {
  const problems: string[] = [];
  const prometheus = findService("prometheus", settings, searchPath);
  const nodeExporter = findService("node-exporter", settings, searchPath);
  const alertmanager = findService("alertmanager", settings, searchPath);
  const grafana = findGrafana(settings, searchPath, problems);
  if (prometheus === undefined)
    problems.unshift("Prometheus is not installed: no `prometheus` on PATH and PROMETHEUS_BIN is not set", ...PROMETHEUS_INSTALL_HINTS);
  if (problems.length > 0 || prometheus === undefined) {
    throw new UserError("Cannot start the native stack: a program it needs is missing or misconfigured.", problems);
  }
  return { prometheus, nodeExporter, alertmanager, grafana };
}
