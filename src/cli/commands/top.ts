/** `vllm-monitor top`: live per-instance numbers in the terminal (Ink), refreshed every scrape interval; q quits. */
import { Option, type Command } from "commander";
import { nativePort } from "../../config/services.js";
import { Secret } from "../../config/secret.js";
import { UserError } from "../../errors.js";
import { durationSeconds, mixinConfig } from "../../mixin/index.js";
import { LISTEN_HOST } from "../../render/endpoints.js";
import { runningStackSummary } from "../../stack/lifecycle.js";
import { fetchRows } from "../../top/fetch.js";
import { topQueries } from "../../top/queries.js";
import { SORT_KEYS, type SortKey } from "../../top/rows.js";
import { envFileOption, settingsFrom } from "../options.js";

interface TopFlags {
  readonly envFile?: string;
  readonly prometheus?: string;
  readonly interval?: string;
  readonly tokenEnv?: string;
  readonly sort: string;
}

export function register(program: Command): void {
  program
    .command("top")
    .description(
      "live numbers per vLLM server and engine in the terminal (running, waiting, KV cache, TTFT/ITL p95, tokens/s, errors/s, GPU of its host); q quits",
    )
    .addOption(envFileOption())
    .option("--prometheus <url>", "the Prometheus to read (default: the running stack's, else http://127.0.0.1:$PROMETHEUS_PORT)")
    .option("--interval <duration>", "refresh period, e.g. 5s (default: $SCRAPE_INTERVAL)")
    .option("--token-env <variable>", "send the bearer token held in this environment variable to Prometheus (the value is never printed)")
    .addOption(new Option("--sort <column>", "initial sort column").choices(Object.values(SORT_KEYS)).default("instance"))
    .action(async (flags: TopFlags) => {
      const settings = settingsFrom(flags);
      const problems: string[] = [];
      const prometheusUrl =
        flags.prometheus ?? runningStackSummary()?.prometheusUrl ?? `http://${LISTEN_HOST}:${nativePort("prometheus", settings)}`;
      if (!URL.canParse(prometheusUrl)) problems.push(`--prometheus "${prometheusUrl}" is not a URL; e.g. http://127.0.0.1:9090`);
      const interval = flags.interval ?? settings.env.SCRAPE_INTERVAL;
      let seconds = 0;
      try {
        seconds = durationSeconds(interval);
      } catch {
        problems.push(`--interval "${interval}" is not a duration; e.g. 5s`);
      }
      if (seconds <= 0 && problems.length === 0) problems.push(`--interval "${interval}" must be longer than zero`);
      let token: Secret | undefined;
      if (flags.tokenEnv !== undefined) {
        const value = process.env[flags.tokenEnv];
        if (value === undefined || value.trim() === "")
          problems.push(`--token-env ${flags.tokenEnv}: that environment variable is empty or not set`);
        else token = new Secret(flags.tokenEnv, value.trim());
      }
      if (problems.length > 0) throw new UserError("Cannot start top.", problems);
      // why: like Grafana's $__rate_interval, four scrape intervals (not refreshes), so every rate has at least two samples.
      const queries = topQueries(`${Math.max(4 * durationSeconds(settings.env.SCRAPE_INTERVAL), 4)}s`);
      const source = { url: prometheusUrl, ...(token === undefined ? {} : { token }) };
      // why: ink and react are a third of the CLI's import time; every other command (the simulator and viewer the
      // native stack starts among them) starts faster without them.
      const [{ render }, { createElement }, { TopApp }] = await Promise.all([import("ink"), import("react"), import("../../top/app.js")]);
      const app = render(
        createElement(TopApp, {
          source: new URL(prometheusUrl).origin,
          intervalMs: seconds * 1000,
          thresholds: mixinConfig(settings).thresholds,
          initialSort: flags.sort as SortKey,
          load: () => fetchRows(source, queries),
        }),
      );
      await app.waitUntilExit();
    });
}
