import type { DashboardFile } from "../mixin/dashboards/index.js";
import { recordsByName, type RuleFile } from "../mixin/rules/index.js";
import { checkExporter, type ExporterCheckTarget } from "./check-exporter.js";
import { checkTarget } from "./check-target.js";
import { checkRemoteWrite, remoteWriteQueueChecks } from "./remote-write.js";
import { panelQueries } from "./panels.js";
import type { Answer, ScrapeTarget } from "../prometheus/client.js";
import { fetchStorageHealth } from "../prometheus/storage.js";
import { freshScrapeTargets, isStale, notScrapedSinceLoad } from "./fresh-targets.js";
import type { CheckResult, DoctorReport, DoctorSettings, DoctorTarget, TargetReport } from "./types.js";

/** Targets checked at the same time; a fleet of hundreds should not open hundreds of sockets. */
const PARALLEL_TARGETS = 8;

export interface DoctorInputs {
  readonly targets: readonly DoctorTarget[];
  /** Exporter endpoints, checked beside the vLLM targets. */
  readonly exporters?: readonly ExporterCheckTarget[];
  readonly settings: DoctorSettings;
  /** The dashboards whose panels are checked against each scrape. */
  readonly dashboards: readonly DashboardFile[];
  /** Recording rules, so a panel reading a rule is traced to the raw series. */
  readonly rules?: readonly RuleFile[];
}

/** Checks every target and, when Prometheus answers, adds its view of each one. */
export async function runDoctor(inputs: DoctorInputs): Promise<DoctorReport> {
  const { settings } = inputs;
  const general: CheckResult[] = [];
  let prometheus: Answer<ScrapeTarget[]> | undefined;
  let configLoadedAt: string | undefined;
  if (settings.prometheusUrl !== undefined) {
    const fresh = await freshScrapeTargets(settings.prometheusUrl, settings.timeoutMs, settings.freshScrapeWaitMs);
    prometheus = fresh.targets;
    configLoadedAt = fresh.configLoadedAt;
    general.push(
      prometheus.reachable
        ? {
            check: "prometheus",
            status: "ok",
            message: `Prometheus at ${settings.prometheusUrl} answers (${prometheus.value.length} active targets)`,
          }
        : {
            check: "prometheus",
            status: "note",
            message: `Prometheus not reachable, scrape health skipped: ${prometheus.reason}`,
            fix: "start the stack (vllm-monitor up) or pass --prometheus-url",
          },
    );
  }
  if (prometheus?.reachable === true && settings.prometheusUrl !== undefined && settings.agent !== true) {
    const storage = await fetchStorageHealth(settings.prometheusUrl, { timeoutMs: settings.timeoutMs });
    for (const problem of storage?.problems ?? []) {
      const [message, fix] = problem.split(". How to fix: ");
      general.push({
        check: "prometheus",
        status: "problem",
        message: `Prometheus ${message ?? problem}`,
        ...(fix === undefined ? {} : { fix }),
      });
    }
  }
  if (settings.agent === true) {
    general.push({
      check: "config",
      status: "note",
      message:
        "agent mode (PROMETHEUS_MODE=agent): Prometheus scrapes and forwards to REMOTE_WRITE_URL; dashboards and rules read the central store",
    });
  }
  if (settings.remoteWrite !== undefined) {
    general.push(await checkRemoteWrite({ ...settings.remoteWrite, timeoutMs: settings.timeoutMs }));
    if (prometheus?.reachable === true && settings.prometheusUrl !== undefined)
      general.push(...(await remoteWriteQueueChecks(settings.prometheusUrl, settings.timeoutMs)));
  }
  if (inputs.targets.length === 0) {
    general.push({
      check: "config",
      status: "note",
      message: "no vLLM target configured (VLLM_TARGET is empty: the stack scrapes its built-in simulator)",
      fix: "set VLLM_TARGET, or pass --target URL",
    });
    if (prometheus?.reachable === true) {
      for (const target of prometheus.value.filter((candidate) => candidate.health === "down")) {
        general.push({
          check: "prometheus",
          status: "problem",
          message: `Prometheus target ${target.scrapeUrl} is down: ${target.lastError || "(no error given)"}`,
          ...(target.limitAdvice === undefined ? {} : { fix: target.limitAdvice }),
        });
      }
    }
  }
  const context = {
    panels: panelQueries(inputs.dashboards),
    records: recordsByName(inputs.rules ?? []),
    ...(prometheus !== undefined ? { prometheus } : {}),
    ...(settings.prometheusUrl !== undefined ? { prometheusUrl: settings.prometheusUrl } : {}),
    ...(configLoadedAt !== undefined ? { configLoadedAt } : {}),
    applyCommand: settings.applyCommand ?? "vllm-monitor up",
  };
  const vllmReports = await mapInBatches(inputs.targets, PARALLEL_TARGETS, (target) => checkTarget(target, settings, context));
  const exporterReports = await mapInBatches(inputs.exporters ?? [], PARALLEL_TARGETS, (target) =>
    checkExporter(target, settings, context),
  );
  const reports = [...vllmReports, ...exporterReports];
  if (prometheus?.reachable === true) general.push(...otherScrapeTargets(prometheus.value, reports, configLoadedAt));
  const report: DoctorReport = {
    ok: reports.every((target) => target.ok) && !general.some((check) => check.status === "problem"),
    targets: reports,
    general,
  };
  const secrets = [settings.token, settings.remoteWrite?.token, settings.remoteWrite?.password].filter(
    (secret): secret is string => secret !== undefined && secret !== "",
  );
  return secrets.reduce(hideSecret, report);
}

/**
 * Every scrape target of Prometheus that no checked target stands for (the stack's own jobs,
 * Prometheus itself, targets of files doctor was not given): "All good" needs them all up too.
 */
function otherScrapeTargets(
  targets: readonly ScrapeTarget[],
  reports: readonly TargetReport[],
  configLoadedAt: string | undefined,
): CheckResult[] {
  const covered = new Set(reports.flatMap((report) => (report.prometheus === undefined ? [] : [report.prometheus.scrapeUrl])));
  return targets
    .filter((target) => !covered.has(target.scrapeUrl) && (target.health !== "up" || isStale(target, configLoadedAt)))
    .map((target) =>
      isStale(target, configLoadedAt) && configLoadedAt !== undefined
        ? notScrapedSinceLoad(target, configLoadedAt, `Prometheus target ${target.scrapeUrl} (job ${target.job})`)
        : target.health === "down"
          ? {
              check: "prometheus",
              status: "problem",
              message: `Prometheus target ${target.scrapeUrl} (job ${target.job}) is down: ${target.lastError || "(no error given)"}`,
            }
          : {
              check: "prometheus",
              status: "problem",
              message: `Prometheus target ${target.scrapeUrl} (job ${target.job}) has not been scraped yet (health ${target.health})`,
              fix: "run doctor again after one scrape interval",
            },
    );
}

/** Replaces the secret wherever a server or an error message echoed it back. */
function hideSecret(report: DoctorReport, secret: string): DoctorReport {
  const escaped = JSON.stringify(secret).slice(1, -1);
  return JSON.parse(JSON.stringify(report).split(escaped).join("[hidden]")) as DoctorReport;
}

async function mapInBatches<T, R>(items: readonly T[], size: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let start = 0; start < items.length; start += size) {
    results.push(...(await Promise.all(items.slice(start, start + size).map(work))));
  }
  return results;
}
