/**
 * The variables only the native stack reads: ports of the processes it starts. Defaults match
 * the programs' own well-known ports. Pure: takes the merged variables, returns typed settings or
 * every problem at once.
 */
import { UserError } from "../../errors.js";

export interface NativePorts {
  readonly prometheus: number;
  readonly grafana: number;
  readonly nodeExporter: number;
  readonly alertmanager: number;
  readonly simulator: number;
  readonly simulatorGpu: number;
}

/** Each port, the variable that moves it, and its default. */
export const PORT_VARIABLES: Readonly<Record<keyof NativePorts, { readonly variable: string; readonly fallback: number }>> = {
  prometheus: { variable: "PROMETHEUS_PORT", fallback: 9090 },
  grafana: { variable: "GRAFANA_PORT", fallback: 3000 },
  nodeExporter: { variable: "NODE_EXPORTER_PORT", fallback: 9100 },
  alertmanager: { variable: "ALERTMANAGER_PORT", fallback: 9093 },
  simulator: { variable: "SIMULATOR_PORT", fallback: 8000 },
  simulatorGpu: { variable: "SIMULATOR_GPU_PORT", fallback: 9400 },
};

type Env = Readonly<Record<string, string | undefined>>;

function parsePort(variable: string, raw: string | undefined, fallback: number, problems: string[]): number {
  const text = raw?.trim() ?? "";
  if (text === "") return fallback;
  const port = Number(text);
  if (!/^\d+$/.test(text) || port < 1 || port > 65535) {
    problems.push(`${variable}=${text} is not a TCP port: use a whole number from 1 to 65535 (default ${fallback})`);
    return fallback;
  }
  return port;
}

/** Reads every native port; one UserError lists all bad values, and ports used twice. */
export function nativePorts(env: Env): NativePorts {
  const problems: string[] = [];
  const entries = Object.entries(PORT_VARIABLES).map(([key, { variable, fallback }]) => [key, parsePort(variable, env[variable], fallback, problems)] as const);
  const ports = Object.fromEntries(entries) as unknown as NativePorts;
  const seen = new Map<number, string>();
  for (const [key, port] of entries) {
    const variable = PORT_VARIABLES[key as keyof NativePorts].variable;
    const other = seen.get(port);
    if (other !== undefined) problems.push(`${variable} and ${other} are both ${port}: give each process its own port`);
    else seen.set(port, variable);
  }
  if (problems.length > 0) throw new UserError("Invalid port settings for the native stack.", problems);
  return ports;
}
