/**
 * Which Prometheus runs, for the one flag that differs: agent mode is `--enable-feature=agent` on
 * 2.x and `--agent` on 3.x (3.x ignores the old feature flag and would start a full server; 2.x
 * refuses `--agent`). Pure: parsing what a binary printed or an image tag says.
 */
import { UserError } from "../errors.js";

export interface PrometheusVersion {
  readonly major: number;
  readonly minor: number;
  /** As the program printed it, e.g. `2.42.0+ds`, for messages. */
  readonly text: string;
}

/** `prometheus, version 2.42.0+ds (branch: …)` → 2.42.0+ds. Pure. */
export function parsePrometheusVersion(output: string): PrometheusVersion | undefined {
  const match = /\bversion\s+v?((\d+)\.(\d+)[^\s]*)/.exec(output);
  return match === null ? undefined : { major: Number(match[2]), minor: Number(match[3]), text: match[1] ?? "" };
}

/** `prom/prometheus:v3.5.0` → 3; `…/prometheus:2.42-bookworm` → 2; `:latest`, digests → undefined. Pure. */
export function versionFromImage(image: string): PrometheusVersion | undefined {
  const withoutDigest = image.split("@")[0] ?? image;
  const slash = withoutDigest.lastIndexOf("/");
  const colon = withoutDigest.lastIndexOf(":");
  if (colon <= slash) return undefined;
  const tag = withoutDigest.slice(colon + 1);
  const match = /^v?((\d+)\.(\d+).*)$/.exec(tag);
  return match === null ? undefined : { major: Number(match[2]), minor: Number(match[3]), text: match[1] ?? tag };
}

/** The command-line flag that starts this Prometheus as an agent. */
export function agentFlag(version: PrometheusVersion): string {
  if (version.major < 2 || (version.major === 2 && version.minor < 32))
    throw new UserError(`Prometheus ${version.text} is too old for agent mode (PROMETHEUS_MODE=agent needs 2.32 or later).`, [
      "install a newer Prometheus, or set PROMETHEUS_MODE=server",
    ]);
  return version.major === 2 ? "--enable-feature=agent" : "--agent";
}
