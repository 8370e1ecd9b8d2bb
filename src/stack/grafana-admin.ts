/**
 * Grafana's admin account for a stack that runs Grafana. A real setup must choose a password
 * (ADMIN_PASSWORD); a demo from a fresh clone gets a generated one, kept 0600 beside the .env file
 * and reused, so logging in works across restarts. Only this module writes that file.
 */
import { randomBytes } from "node:crypto";
import { chmodSync, readFileSync } from "node:fs";
import { ensurePrivateFolder, writePrivateFile } from "../render/private-files.js";
import { dirname, join } from "node:path";
import { describeProblem, MISSING_ADMIN_PASSWORD, type Settings } from "../config/load.js";
import { ENV_VARIABLES } from "../config/schema.js";
import { Secret } from "../config/secret.js";
import { UserError } from "../errors.js";
import type { GrafanaAdmin } from "../render/compose-env.js";

/** Where a demo's generated password is kept, relative to the .env file's folder. */
export const DEMO_PASSWORD_FILE = join(".vllm-monitor", "grafana-admin-password");

export interface ResolvedGrafanaAdmin {
  readonly admin: GrafanaAdmin;
  /** Set when the password was generated or reused from the demo file: tell the user where it is. */
  readonly note?: string;
}

type AdminSettings = Pick<Settings, "env" | "demo" | "sources" | "envFile">;

/** The admin account, or a UserError naming ADMIN_PASSWORD when a real setup has none. */
export function grafanaAdmin(settings: AdminSettings): ResolvedGrafanaAdmin {
  const user = settings.env.ADMIN_USER;
  if (settings.env.ADMIN_PASSWORD !== undefined) return { admin: { user, password: settings.env.ADMIN_PASSWORD } };
  if (!settings.demo) {
    throw new UserError("Grafana needs an admin password (1 problem):", [
      describeProblem("ADMIN_PASSWORD", settings.sources.ADMIN_PASSWORD, MISSING_ADMIN_PASSWORD),
    ]);
  }
  const path = join(dirname(settings.envFile.path), DEMO_PASSWORD_FILE);
  const password = new Secret("ADMIN_PASSWORD", demoPassword(path));
  return {
    admin: { user, password },
    note: `ADMIN_PASSWORD is not set: demo mode uses a generated Grafana admin password, stored in ${path} (mode 0600)`,
  };
}

/** Grafana's account when ADMIN_PASSWORD is set, without generating anything. */
export function configuredGrafanaAdmin(settings: Pick<Settings, "env">): GrafanaAdmin | undefined {
  const password = settings.env.ADMIN_PASSWORD;
  return password === undefined ? undefined : { user: settings.env.ADMIN_USER, password };
}

function demoPassword(path: string): string {
  // why: a folder others can write lets them swap the password file; it is tightened (or refused) before reading.
  ensurePrivateFolder(dirname(path));
  try {
    const existing = readFileSync(path, "utf8").trim();
    if (existing.length >= 8 && ENV_VARIABLES.ADMIN_PASSWORD.schema.safeParse(existing).success) {
      chmodSync(path, 0o600);
      return existing;
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  // why: base64url has no quote, backslash or `$`, so compose's env file carries it unchanged.
  const password = randomBytes(18).toString("base64url");
  writePrivateFile(path, `${password}\n`);
  return password;
}

/**
 * An agent runs no Grafana, but compose still reads the whole file, Grafana's required variables
 * included: an account with a random password nobody is told (and not kept), so a Grafana started
 * by hand from this compose.env cannot be logged into with a known password.
 */
export function lockedGrafanaAdmin(): GrafanaAdmin {
  return { user: new Secret("ADMIN_USER", "admin"), password: new Secret("ADMIN_PASSWORD", randomBytes(24).toString("base64url")) };
}
