/** The options every command that reads configuration shares, declared once with their defaults. */
import { Option } from "commander";
import { DEFAULT_ENV_FILE, loadSettings, type Settings } from "../config/load.js";
import { DEFAULT_OUT_DIR } from "../render/layout.js";

/** `--env-file PATH`: no commander default, so an explicit path that does not exist is an error and `.env` may be missing. */
export function envFileOption(): Option {
  return new Option(
    "--env-file <path>",
    `the .env file to read (default ${DEFAULT_ENV_FILE}, which may be missing; a path given here must exist; alias --env <path>, for npx on Node 20)`,
  );
}

/** `--env-file` on commands that read no configuration, accepted so every command takes the same options. */
export function unusedEnvFileOption(): Option {
  return new Option("--env-file <path>", "accepted so every command takes the same options; not read by this command");
}

/** `--out DIR` where a folder is written or named explicitly. */
export function outOption(): Option {
  return new Option("--out <dir>", "the output folder for rendered configs (created 0700, files 0600)").default(DEFAULT_OUT_DIR);
}

/** `--out DIR` for commands that find the running stack by themselves. */
export function stackOutOption(): Option {
  return new Option("--out <dir>", "the output folder the stack was started with (default: the only running stack, from any folder)");
}

/** The settings of `--env-file` (or ./.env); `requireGrafanaAdmin` for commands that will run Grafana (see LoadSettingsOptions). */
/** `--stack NAME` for commands that act on a running stack: its name in `vllm-monitor status`. */
export function stackNameOption(): Option {
  return new Option(
    "--stack <name>",
    "the stack to act on, by the name status shows (its compose project, or the folder a native stack was started in); default: the only running one",
  );
}

export function settingsFrom(options: { readonly envFile?: string }, needs: { readonly requireGrafanaAdmin?: boolean } = {}): Settings {
  return loadSettings({ ...(options.envFile === undefined ? {} : { envFile: options.envFile }), ...needs });
}
