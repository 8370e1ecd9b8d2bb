import type { DashboardFile } from "../mixin/dashboards/index.js";
import { recordsByName, type RuleFile } from "../mixin/rules/index.js";
import { checkTarget } from "./check-target.js";
import { checkRemoteWrite, remoteWriteQueueChecks } from "./remote-write.js";
import { panelQueries } from "./panels.js";
import { fetchScrapeTargets, type Answer, type ScrapeTarget } from "../prometheus/client.js";
import type { CheckResult, DoctorReport, DoctorSettings, DoctorTarget } from "./types.js";

/** Targets checked at the same time; a fleet of hundreds should not open hundreds of sockets. */
const PARALLEL_TARGETS = 8;

export interface DoctorInputs {
  readonly targets: readonly DoctorTarget[];
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
  if (settings.prometheusUrl !== undefined) {
    prometheus = await fetchScrapeTargets(settings.prometheusUrl, settings.timeoutMs);
    general.push(
      prometheus.reachable
        ? { check: "prometheus", status: "ok", message: `Prometheus at ${settings.prometheusUrl} answers (${prometheus.value.length} active targets)` }
        : { check: "prometheus", status: "note", message: `Prometheus not reachable, scrape health skipped: ${prometheus.reason}`, fix: "start the stack (vllm-monitor up) or pass --prometheus-url" },
    );
  }
  if (settings.agent === true) {
    general.push({
      check: "config",
      status: "note",
      message: "agent mode (PROMETHEUS_MODE=agent): Prometheus scrapes and forwards to REMOTE_WRITE_URL; dashboards and rules read the central store",
    });
  }
  if (settings.remoteWrite !== undefined) {
    general.push(await checkRemoteWrite({ ...settings.remoteWrite, timeoutMs: settings.timeoutMs }));
    if (prometheus?.reachable === true && settings.prometheusUrl !== undefined) general.push(...(await remoteWriteQueueChecks(settings.prometheusUrl, settings.timeoutMs)));
  }
  if (inputs.targets.length === 0) {
    general.push({ check: "config", status: "note", message: "no vLLM target configured (VLLM_TARGET is empty: the stack scrapes its built-in simulator)", fix: "set VLLM_TARGET, or pass --target URL" });
    if (prometheus?.reachable === true) {
      for (const target of prometheus.value.filter((candidate) => candidate.health === "down")) {
        general.push({ check: "prometheus", status: "problem", message: `Prometheus target ${target.scrapeUrl} is down: ${target.lastError || "(no error given)"}` });
      }
    }
  }
  const context = {
    panels: panelQueries(inputs.dashboards),
    records: recordsByName(inputs.rules ?? []),
    ...(prometheus !== undefined ? { prometheus } : {}),
    ...(settings.prometheusUrl !== undefined ? { prometheusUrl: settings.prometheusUrl } : {}),
    applyCommand: settings.applyCommand ?? "vllm-monitor up",
  };
  const reports = await mapInBatches(inputs.targets, PARALLEL_TARGETS, (target) => checkTarget(target, settings, context));
  const report: DoctorReport = {
    ok: reports.every((target) => target.ok) && !general.some((check) => check.status === "problem"),
    targets: reports,
    general,
  };
  const secrets = [settings.token, settings.remoteWrite?.token, settings.remoteWrite?.password].filter((secret): secret is string => secret !== undefined && secret !== "");
  return secrets.reduce(hideSecret, report);
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

