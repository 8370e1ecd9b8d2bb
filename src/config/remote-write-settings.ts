/**
 * Checks across the remote-write and agent variables, reported in the loader's one message: an
 * agent needs somewhere to send, one kind of credentials at a time, basic auth needs both halves.
 */
import type { VariableProblem } from "./exporter-targets.js";
import type { EnvValues } from "./schema.js";

type FleetEnv = Pick<
  EnvValues,
  | "PROMETHEUS_MODE"
  | "REMOTE_WRITE_URL"
  | "REMOTE_WRITE_BEARER_TOKEN"
  | "REMOTE_WRITE_USERNAME"
  | "REMOTE_WRITE_PASSWORD"
  | "REMOTE_WRITE_CA_FILE"
  | "REMOTE_WRITE_HEADERS"
>;

const CREDENTIALS = [
  "REMOTE_WRITE_BEARER_TOKEN",
  "REMOTE_WRITE_USERNAME",
  "REMOTE_WRITE_PASSWORD",
  "REMOTE_WRITE_CA_FILE",
  "REMOTE_WRITE_HEADERS",
] as const;

export function fleetChecks(env: FleetEnv): { problems: VariableProblem[]; notes: string[] } {
  const problems: VariableProblem[] = [];
  const notes: string[] = [];
  if (env.PROMETHEUS_MODE === "agent" && env.REMOTE_WRITE_URL === undefined) {
    problems.push({
      variable: "PROMETHEUS_MODE",
      message: "is agent, but REMOTE_WRITE_URL is empty: an agent keeps no queryable data, so what it scrapes must be sent somewhere",
      fix: "set REMOTE_WRITE_URL to the central store's remote-write endpoint, or PROMETHEUS_MODE=server",
    });
  }
  if (env.REMOTE_WRITE_BEARER_TOKEN !== undefined && (env.REMOTE_WRITE_USERNAME !== undefined || env.REMOTE_WRITE_PASSWORD !== undefined)) {
    problems.push({
      variable: "REMOTE_WRITE_BEARER_TOKEN",
      message: "is set together with REMOTE_WRITE_USERNAME/REMOTE_WRITE_PASSWORD, but Prometheus sends one kind of credentials",
      fix: "keep either the token or the user name and password, and empty the other",
    });
  }
  if (env.REMOTE_WRITE_USERNAME !== undefined && env.REMOTE_WRITE_PASSWORD === undefined) {
    problems.push({
      variable: "REMOTE_WRITE_USERNAME",
      message: "is set but REMOTE_WRITE_PASSWORD is empty; basic auth needs both",
      fix: "set REMOTE_WRITE_PASSWORD too, or empty REMOTE_WRITE_USERNAME",
    });
  }
  if (env.REMOTE_WRITE_PASSWORD !== undefined && env.REMOTE_WRITE_USERNAME === undefined) {
    problems.push({
      variable: "REMOTE_WRITE_PASSWORD",
      message: "is set but REMOTE_WRITE_USERNAME is empty; basic auth needs both",
      fix: "set REMOTE_WRITE_USERNAME too, or empty REMOTE_WRITE_PASSWORD",
    });
  }
  const unused = CREDENTIALS.filter((name) => env[name] !== undefined);
  if (env.REMOTE_WRITE_URL === undefined && unused.length > 0)
    notes.push(`${unused.join(", ")} ${unused.length === 1 ? "is" : "are"} set but REMOTE_WRITE_URL is empty: nothing is sent anywhere`);
  return { problems, notes };
}
