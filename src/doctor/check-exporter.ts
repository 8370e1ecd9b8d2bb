/**
 * Doctor's check of one exporter target (node_exporter, dcgm-exporter, nvidia_gpu_exporter):
 * does it resolve, connect and serve a metrics page, does the page hold the exporter's families
 * the dashboards read, and what does Prometheus say of it. Exporters get no vLLM token or CA:
 * their scrape jobs send none.
 */
import { dcgm, node, nvidiaSmi, type MetricFamily } from "../catalog/index.js";
import { EXPORTERS, type ExporterKind } from "../config/exporter-targets.js";
import { ExpositionSyntaxError, parseExposition, sampleNames } from "../exposition/index.js";
import { scrapeOnce } from "./http.js";
import { probeTcp, resolveHost, splitAddress } from "./network.js";
import { prometheusCheck, type TargetContext } from "./check-target.js";
import type { CheckResult, DoctorSettings, DoctorTarget, TargetReport } from "./types.js";

/** An exporter endpoint doctor checks, and which exporter it should be. */
export interface ExporterCheckTarget extends DoctorTarget {
  readonly exporter: ExporterKind;
}

/** The catalog's families each exporter job should serve. */
const FAMILIES: Readonly<Record<ExporterKind, readonly Readonly<Record<string, MetricFamily>>[]>> = {
  node: [node],
  gpu: [dcgm, nvidiaSmi],
};

export async function checkExporter(
  target: ExporterCheckTarget,
  settings: Pick<DoctorSettings, "timeoutMs">,
  context: TargetContext,
): Promise<TargetReport> {
  const checks: CheckResult[] = [];
  await probeExporter(target, settings.timeoutMs, checks);
  const prometheus = prometheusCheck(target, context, checks);
  const url = `${target.scheme}://${target.address}${target.metricsPath}`;
  return {
    target: url,
    source: target.source,
    ok: !checks.some((check) => check.status === "problem"),
    checks,
    models: [],
    engines: [],
    emptyPanels: [],
    otherExporterPanels: [],
    ...(prometheus !== undefined ? { prometheus } : {}),
  };
}

async function probeExporter(target: ExporterCheckTarget, timeoutMs: number, checks: CheckResult[]): Promise<void> {
  const { host, port } = splitAddress(target.address);
  const where = `${host}:${port}`;
  const expected = { title: EXPORTERS[target.exporter].title, groups: FAMILIES[target.exporter] };
  const resolved = await resolveHost(host, timeoutMs);
  if (!resolved.ok) {
    checks.push({
      check: "dns",
      status: "problem",
      message: `cannot resolve host ${host} (${resolved.code})`,
      fix: `check the host name in ${target.source}`,
    });
    return;
  }
  const connected = await probeTcp(host, port, timeoutMs);
  if (!connected.ok) {
    checks.push({
      check: "tcp",
      status: "problem",
      message: connected.code === "ECONNREFUSED" ? `connection refused on ${where}` : `cannot connect to ${where} (${connected.code})`,
      fix: `is ${expected.title} running on ${host}, listening on port ${port}? (the address comes from ${target.source})`,
    });
    return;
  }
  checks.push({ check: "tcp", status: "ok", message: `TCP connection to ${where} opens` });
  const response = await scrapeOnce({ scheme: target.scheme, host, port, path: target.metricsPath, insecureSkipVerify: false, timeoutMs });
  if (!response.ok) {
    checks.push({
      check: "http",
      status: "problem",
      message: `HTTP request to ${where}${target.metricsPath} failed (${response.code})`,
      fix: `check the scheme and path in ${target.source}`,
    });
    return;
  }
  if (response.status < 200 || response.status >= 300) {
    checks.push({
      check: "http",
      status: "problem",
      message: `${where}${target.metricsPath} answers HTTP ${response.status}`,
      fix: `check the path in ${target.source} (exporters serve /metrics)`,
    });
    return;
  }
  let names: Set<string>;
  try {
    names = sampleNames(parseExposition(response.body, { contentType: response.contentType }));
  } catch (error) {
    if (!(error instanceof ExpositionSyntaxError)) throw error;
    checks.push({
      check: "body",
      status: "problem",
      message: `the body is not Prometheus exposition (${error.message})`,
      fix: `check that ${target.source} points at ${expected.title}`,
    });
    return;
  }
  const found = expected.groups
    .flatMap((group) => Object.values(group))
    .filter((family) => names.has(family.name) || names.has(`${family.name}_bucket`));
  checks.push(
    found.length > 0
      ? { check: "body", status: "ok", message: `${expected.title}: ${found.length} of the families the dashboards read` }
      : {
          check: "body",
          status: "problem",
          message: `serves ${names.size} series but none of ${expected.title}'s that the dashboards read`,
          fix: `point ${target.source} at ${expected.title}, not at another service on that port`,
        },
  );
}
