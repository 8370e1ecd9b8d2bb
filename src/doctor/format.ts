import { escapeControl } from "../text/echo.js";
import type { CheckResult, DoctorReport, TargetReport } from "./types.js";

const MARK = { ok: "✔", problem: "✖", note: "⚠" } as const;

/**
 * The human report: one block per target, a ✔/✖/⚠ line per check, each ✖ with its fix. Messages
 * quote targets' answers, so every control character is escaped: a body must not drive the terminal. Pure.
 */
export function formatReport(report: DoctorReport): string {
  const lines: string[] = [];
  if (report.general.length > 0) {
    for (const check of report.general) lines.push(...checkLines(check, ""));
    lines.push("");
  }
  for (const target of report.targets) lines.push(...targetLines(target), "");
  const failing = report.targets.filter((target) => !target.ok).length;
  lines.push(
    report.ok
      ? `All good: ${report.targets.length} target${report.targets.length === 1 ? "" : "s"} checked.`
      : `Problems found: ${failing} of ${report.targets.length} target${report.targets.length === 1 ? "" : "s"}${generalProblems(report)}.`,
  );
  return `${lines.map(escapeControl).join("\n")}\n`;
}

function targetLines(target: TargetReport): string[] {
  const lines = [`${target.target}  (from ${target.source})`];
  for (const check of target.checks) lines.push(...checkLines(check, "  "));
  if (target.emptyPanels.length > 0) {
    lines.push("  Panels that would be empty:");
    for (const panel of target.emptyPanels) {
      lines.push(`    - ${panel.dashboard} / ${panel.panel}: no ${panel.missing.join(", ")}`, `      why: ${panel.reason}`);
    }
  }
  if ((target.optionalPanels ?? []).length > 0) {
    lines.push("  Optional panels with nothing to show here (they say what they need):");
    for (const panel of target.optionalPanels ?? []) lines.push(`    - ${panel.dashboard} / ${panel.panel}: needs ${panel.needs}`);
  }
  if (target.otherExporterPanels.length > 0) {
    const byExporter = new Map<string, string[]>();
    for (const panel of target.otherExporterPanels) {
      for (const exporter of panel.exporters) byExporter.set(exporter, [...(byExporter.get(exporter) ?? []), panel.panel]);
    }
    lines.push("  Panels fed by other exporters, not by this target:");
    for (const [exporter, panels] of byExporter) lines.push(`    - ${exporter}: ${panels.join(", ")}`);
  }
  return lines;
}

function checkLines(check: CheckResult, indent: string): string[] {
  const lines = [`${indent}${MARK[check.status]} ${check.message}`];
  if (check.fix !== undefined && check.status !== "ok") lines.push(`${indent}    fix: ${check.fix}`);
  else if (check.fix !== undefined) lines.push(`${indent}    note: ${check.fix}`);
  return lines;
}

const GENERAL_PLACES: Partial<Record<CheckResult["check"], string>> = {
  prometheus: "in Prometheus",
  "remote-write": "in remote write",
  config: "in the configuration",
};

/** `, and in Prometheus and in remote write` for the checks outside any target that found a problem. */
function generalProblems(report: DoctorReport): string {
  const places = [
    ...new Set(report.general.filter((check) => check.status === "problem").map((check) => GENERAL_PLACES[check.check] ?? check.check)),
  ];
  return places.length === 0 ? "" : `, and ${places.join(" and ")}`;
}
