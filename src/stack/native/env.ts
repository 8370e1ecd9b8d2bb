/**
 * The variables the native stack reads beyond the shared config (ports, `*_BIN`, GRAFANA_HOME):
 * the .env file, overridden by the process environment, as compose does.
 */
import { readFileSync } from "node:fs";
import { UserError } from "../../errors.js";
import { parseEnvFile } from "../../config/envFile.js";

type Env = Readonly<Record<string, string | undefined>>;

/** The .env file's assignments (none when the file does not exist) under the process environment. */
export function mergedEnvironment(envFile: string, processEnv: Env = process.env): Record<string, string | undefined> {
  let text: string;
  try {
    text = readFileSync(envFile, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { ...processEnv };
    throw new UserError(`Cannot read ${envFile}.`, [`${(error as Error).message}; fix its permissions or pass another file with --env-file`]);
  }
  const parsed = parseEnvFile(text, envFile);
  if (parsed.problems.length > 0) throw new UserError(`${envFile} has lines that are not NAME=value.`, parsed.problems);
  const fromFile = Object.fromEntries(parsed.entries.map((entry) => [entry.name, entry.value]));
  const overrides = Object.fromEntries(Object.entries(processEnv).filter(([, value]) => value !== undefined && value !== ""));
  return { ...fromFile, ...overrides };
}
