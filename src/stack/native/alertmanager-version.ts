/** Asks an installed Alertmanager for its version (`alertmanager --version`), for the secret-file check. */
import { UserError } from "../../errors.js";
import { parsePrometheusVersion, type PrometheusVersion } from "../../prometheus/version.js";
import { capture } from "../compose/tool.js";

export interface KnownAlertmanager {
  readonly version: PrometheusVersion;
  /** How it was found, for messages: `ALERTMANAGER_BIN /path` or `PATH /usr/bin/prometheus-alertmanager`. */
  readonly which: string;
}

export async function alertmanagerVersion(binary: { readonly path: string; readonly source: string }): Promise<KnownAlertmanager> {
  const run = await capture(binary.path, ["--version"], process.env);
  const version = parsePrometheusVersion(`${run.stdout}\n${run.stderr}`);
  if (version === undefined) {
    throw new UserError(`Cannot tell which Alertmanager ${binary.path} is: \`${binary.path} --version\` printed no version.`, [
      "point ALERTMANAGER_BIN at an Alertmanager binary (Debian: /usr/bin/prometheus-alertmanager)",
    ]);
  }
  return { version, which: `${binary.source} ${binary.path}` };
}
