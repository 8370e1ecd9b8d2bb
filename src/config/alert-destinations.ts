/**
 * Which notification destinations the settings configure, and where each severity goes. Pure:
 * the loader reports the problems together with every other variable's.
 */
import type { VariableProblem } from "./exporter-targets.js";
import { ALERT_DESTINATIONS, type AlertDestination, type EnvName, type EnvValues } from "./schema.js";

export type AlertEnv = Pick<
  EnvValues,
  | "ALERT_WEBHOOK_URL"
  | "ALERT_SLACK_WEBHOOK_URL"
  | "ALERT_PAGERDUTY_ROUTING_KEY"
  | "ALERT_EMAIL_TO"
  | "ALERT_EMAIL_FROM"
  | "ALERT_SMTP_HOST"
  | "ALERT_SMTP_USERNAME"
  | "ALERT_SMTP_PASSWORD"
  | "ALERT_DEADMANS_URL"
  | "ALERT_ROUTE_CRITICAL"
  | "ALERT_ROUTE_WARNING"
>;

/** The variable whose value makes a destination configured. */
export const DESTINATION_VARIABLE: Readonly<Record<AlertDestination, keyof AlertEnv>> = {
  pagerduty: "ALERT_PAGERDUTY_ROUTING_KEY",
  slack: "ALERT_SLACK_WEBHOOK_URL",
  email: "ALERT_EMAIL_TO",
  webhook: "ALERT_WEBHOOK_URL",
};

/** The destinations these settings configure, in a fixed order. */
export function configuredDestinations(env: AlertEnv): AlertDestination[] {
  return ALERT_DESTINATIONS.filter((destination) => env[DESTINATION_VARIABLE[destination]] !== undefined);
}

/** True when a notification can reach anyone (a destination or the dead man's switch): then Alertmanager runs. */
export function alertingConfigured(env: AlertEnv): boolean {
  return configuredDestinations(env).length > 0 || env.ALERT_DEADMANS_URL !== undefined;
}

export interface SeverityRoutes {
  readonly critical: readonly AlertDestination[];
  readonly warning: readonly AlertDestination[];
}

/** Where critical and warning alerts go: ALERT_ROUTE_* keeping only the configured destinations. */
export function severityRoutes(env: AlertEnv): SeverityRoutes {
  const configured = new Set(configuredDestinations(env));
  return {
    critical: env.ALERT_ROUTE_CRITICAL.filter((destination) => configured.has(destination)),
    warning: env.ALERT_ROUTE_WARNING.filter((destination) => configured.has(destination)),
  };
}

const EMAIL_PARTS = ["ALERT_EMAIL_TO", "ALERT_EMAIL_FROM", "ALERT_SMTP_HOST"] as const;

/** Checks across the alert variables: e-mail needs its three parts, SMTP auth both halves, a route only what is configured. */
// why: only whether a value is a default matters here; load.ts's ValueSource would make the two files import each other.
export function alertChecks(env: AlertEnv, sources: Readonly<Record<EnvName, { readonly kind: string }>>): VariableProblem[] {
  const problems: VariableProblem[] = [];
  const emailSet = [...EMAIL_PARTS, "ALERT_SMTP_USERNAME", "ALERT_SMTP_PASSWORD"].some((name) => env[name as keyof AlertEnv] !== undefined);
  if (emailSet) {
    for (const name of EMAIL_PARTS) {
      if (env[name] !== undefined) continue;
      problems.push({
        variable: name,
        message: "is empty, but e-mail alerts need ALERT_EMAIL_TO, ALERT_EMAIL_FROM and ALERT_SMTP_HOST",
        fix: `set ${name}, or empty every ALERT_EMAIL_* and ALERT_SMTP_* variable`,
      });
    }
  }
  if (env.ALERT_SMTP_USERNAME !== undefined && env.ALERT_SMTP_PASSWORD === undefined) {
    problems.push({
      variable: "ALERT_SMTP_USERNAME",
      message: "is set but ALERT_SMTP_PASSWORD is empty; SMTP login needs both",
      fix: "set ALERT_SMTP_PASSWORD too, or empty ALERT_SMTP_USERNAME",
    });
  }
  if (env.ALERT_SMTP_PASSWORD !== undefined && env.ALERT_SMTP_USERNAME === undefined) {
    problems.push({
      variable: "ALERT_SMTP_PASSWORD",
      message: "is set but ALERT_SMTP_USERNAME is empty; SMTP login needs both",
      fix: "set ALERT_SMTP_USERNAME too, or empty ALERT_SMTP_PASSWORD",
    });
  }
  const configured = new Set(configuredDestinations(env));
  for (const variable of ["ALERT_ROUTE_CRITICAL", "ALERT_ROUTE_WARNING"] as const) {
    // why: the defaults name every destination a user may add; only a list the user wrote must be fully configured.
    if (sources[variable]?.kind === "default") continue;
    for (const destination of env[variable]) {
      if (configured.has(destination)) continue;
      problems.push({
        variable,
        message: `sends alerts to ${destination}, but ${DESTINATION_VARIABLE[destination]} is empty`,
        fix: `set ${DESTINATION_VARIABLE[destination]}, or take ${destination} out of ${variable}`,
      });
    }
  }
  return problems;
}
