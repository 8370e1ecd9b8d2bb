/**
 * Which Alertmanager can keep each secret in a file. Secrets never go inline into
 * alertmanager.yml, so a version without the `*_file` option a secret needs is refused, naming
 * the version and the option. From Alertmanager's config/notifiers.go at each release tag.
 */
import type { EnvName } from "../config/schema.js";
import { UserError } from "../errors.js";
import type { PrometheusVersion } from "../prometheus/version.js";

interface FileOption {
  readonly variable: EnvName;
  readonly option: string;
  /** The first release with the option. */
  readonly since: { readonly major: number; readonly minor: number };
}

export const SECRET_FILE_OPTIONS: readonly FileOption[] = [
  { variable: "ALERT_SLACK_WEBHOOK_URL", option: "slack_configs.api_url_file", since: { major: 0, minor: 22 } },
  { variable: "ALERT_PAGERDUTY_ROUTING_KEY", option: "pagerduty_configs.routing_key_file", since: { major: 0, minor: 25 } },
  { variable: "ALERT_SMTP_PASSWORD", option: "email_configs.auth_password_file", since: { major: 0, minor: 25 } },
];

function older(version: PrometheusVersion, than: FileOption["since"]): boolean {
  return version.major < than.major || (version.major === than.major && version.minor < than.minor);
}

/**
 * Throws a UserError listing every secret this Alertmanager cannot read from a file.
 * `which` names the binary or image, e.g. `ALERTMANAGER_BIN /usr/bin/alertmanager`.
 */
export function checkAlertmanagerVersion(set: (name: EnvName) => boolean, version: PrometheusVersion, which: string): void {
  const problems = SECRET_FILE_OPTIONS.filter((entry) => set(entry.variable) && older(version, entry.since)).map(
    (entry) =>
      `${entry.variable} is set, but Alertmanager ${version.text} (${which}) has no ${entry.option}, which keeps it out of alertmanager.yml; ` +
      `it was added in ${entry.since.major}.${entry.since.minor}.0. How to fix: install Alertmanager ${entry.since.major}.${entry.since.minor} or later (ALERTMANAGER_BIN / ALERTMANAGER_IMAGE), or empty ${entry.variable}`,
  );
  if (problems.length > 0) throw new UserError(`Alertmanager ${version.text} cannot keep these secrets in files:`, problems);
}
