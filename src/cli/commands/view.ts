/** `vllm-monitor view`: the built-in dashboard viewer (Perses) over a Prometheus, on 127.0.0.1, until Ctrl-C. */
import type { Command } from "commander";
import { Secret } from "../../config/secret.js";
import { UserError } from "../../errors.js";
import { buildMixin, mixinConfig } from "../../mixin/index.js";
import { print } from "../../output.js";
import { isPositiveDuration } from "../../promql/duration.js";
import { echo } from "../../text/echo.js";
import { LISTEN_HOST } from "../../render/endpoints.js";
import { runningStackSummary } from "../../stack/lifecycle.js";
import { nativePort } from "../../config/services.js";
import { startViewer } from "../../viewer/server.js";
import { envFileOption, settingsFrom } from "../options.js";

interface ViewFlags {
  readonly envFile?: string;
  readonly prometheus?: string;
  readonly port?: string;
  readonly tokenEnv?: string;
  readonly scrapeInterval?: string;
}

export function register(program: Command): void {
  program
    .command("view")
    .description(
      "serve the dashboards in a browser on 127.0.0.1 (built-in Perses viewer; no Grafana needed), reading a Prometheus through a read-only proxy",
    )
    .addOption(envFileOption())
    .option(
      "--prometheus <url>",
      "the Prometheus or compatible query API to read (default: the running stack's, else http://127.0.0.1:$PROMETHEUS_PORT)",
    )
    .option("--port <port>", "port to listen on, on 127.0.0.1 (default: $GRAFANA_PORT; 0 picks a free one)")
    .option(
      "--scrape-interval <duration>",
      "how often that Prometheus scrapes, e.g. 15s; sets the panels' step and rate window (default: $SCRAPE_INTERVAL)",
    )
    .option("--token-env <variable>", "send the bearer token held in this environment variable to Prometheus (the value is never printed)")
    .action(async (flags: ViewFlags) => {
      const settings = settingsFrom(flags);
      const problems: string[] = [];
      const prometheusUrl =
        flags.prometheus ?? runningStackSummary()?.prometheusUrl ?? `http://${LISTEN_HOST}:${nativePort("prometheus", settings)}`;
      if (!URL.canParse(prometheusUrl) || !/^https?:$/.test(new URL(prometheusUrl).protocol))
        problems.push(`--prometheus "${prometheusUrl}" is not an http(s) URL; e.g. http://127.0.0.1:9090`);
      const port = flags.port === undefined ? nativePort("grafana", settings) : Number(flags.port);
      if (!Number.isInteger(port) || port < 0 || port > 65_535) problems.push(`--port "${flags.port}" is not a port number (0-65535)`);
      const scrapeInterval = flags.scrapeInterval ?? settings.env.SCRAPE_INTERVAL;
      if (flags.scrapeInterval !== undefined && !isPositiveDuration(flags.scrapeInterval))
        problems.push(
          `--scrape-interval "${echo(flags.scrapeInterval)}" is not a Prometheus duration longer than zero; use the Prometheus's scrape_interval, e.g. 15s or 1m`,
        );
      let token: Secret | undefined;
      if (flags.tokenEnv !== undefined) {
        const value = process.env[flags.tokenEnv];
        if (value === undefined || value.trim() === "")
          problems.push(`--token-env ${flags.tokenEnv}: that environment variable is empty or not set; export it before running view`);
        else token = new Secret(flags.tokenEnv, value.trim());
      }
      if (problems.length > 0) throw new UserError("Cannot start the viewer.", problems);
      const viewer = await startViewer({
        prometheusUrl,
        ...(token === undefined ? {} : { bearerToken: token }),
        dashboards: buildMixin(mixinConfig(settings)).persesDashboards,
        port,
        scrapeInterval,
      }).catch((error: unknown) => {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === "EADDRINUSE")
          throw new UserError(`Cannot start the viewer: port ${port} on ${LISTEN_HOST} is in use.`, [
            "pick another with --port, or set GRAFANA_PORT in .env",
          ]);
        throw error;
      });
      print(
        `Dashboards: ${viewer.url} (reading ${new URL(prometheusUrl).origin}${token === undefined ? "" : `, with the token in ${flags.tokenEnv}`}). Ctrl-C stops.\n`,
      );
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off("SIGINT", stop);
          process.off("SIGTERM", stop);
          void viewer.close().then(resolve);
        };
        process.on("SIGINT", stop);
        process.on("SIGTERM", stop);
      });
    });
}
