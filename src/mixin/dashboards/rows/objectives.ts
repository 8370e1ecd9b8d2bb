import { SLO_PERIOD, sloBadRatio, type SloKey } from "../../../promql/slo.js";
import type { QueryOptions } from "../../../promql/vllm.js";
import type { ErrorBudget, Thresholds } from "../../config.js";
import type { PanelSpec, RowSpec, ThresholdStep } from "../panels.js";

const BY_MODEL = ["model_name"] as const;

// why: a 28-day window reaches past the default retention (PROMETHEUS_RETENTION_TIME=15d); the panels say what they cover.
const RETENTION_NOTE =
  `Over the last ${SLO_PERIOD}, or over what Prometheus still keeps if that is less (PROMETHEUS_RETENTION_TIME, 15d by default): ` +
  "set the retention to at least 28d for a whole period.";

interface Objective {
  readonly key: SloKey;
  readonly name: string;
  readonly setting: string;
  readonly budget: ErrorBudget;
  readonly good: string;
}

function objectives(thresholds: Thresholds): Objective[] {
  return [
    {
      key: "availability",
      name: "Availability",
      setting: "SLO_AVAILABILITY",
      budget: thresholds.errorBudget,
      good: "requests not failed by the server (engine errors and HTTP 5xx count, load-shedding 503s do not)",
    },
    {
      key: "ttft",
      name: "TTFT",
      setting: "SLO_TTFT_TARGET",
      budget: thresholds.ttftBudget,
      good: `requests with their first token within ${thresholds.ttft.seconds}s`,
    },
  ];
}

const percent = (share: number) => `${Math.round(share * 1e5) / 1e3}%`;

/** Share of the budget left: 1 − bad share ÷ allowed bad share. */
function budgetRemaining(objective: Objective, ratio: string): string {
  const allowed = Math.round((1 - objective.budget.objective) * 1e6) / 1e6;
  return `1 - (${ratio}) / ${allowed}`;
}

function attainmentPanel(objective: Objective, query: QueryOptions, ttftSeconds: number): PanelSpec {
  const target = objective.budget.objective;
  const steps: ThresholdStep[] = [
    { value: null, color: "red" },
    { value: target, color: "green" },
  ];
  return {
    key: `user/slo-attainment-${objective.key}`,
    kind: "stat",
    title: `${objective.name} attainment (${SLO_PERIOD})`,
    description: `Share of ${objective.good}, per model. Objective: ${percent(target)} (${objective.setting}). ${RETENTION_NOTE}`,
    unit: "percentunit",
    thresholds: steps,
    targets: [
      { expr: `1 - (${sloBadRatio(objective.key, SLO_PERIOD, ttftSeconds, query, BY_MODEL)})`, legend: "{{model_name}}", instant: true },
    ],
  };
}

function budgetPanel(all: readonly Objective[], query: QueryOptions, ttftSeconds: number): PanelSpec {
  return {
    key: "user/slo-budget-remaining",
    kind: "stat",
    title: `Error budget remaining (${SLO_PERIOD})`,
    description: `Share of each objective's budget of bad requests still unspent, per model: 100% is none spent, 0% all of it, below 0 the objective is missed. ${RETENTION_NOTE}`,
    unit: "percentunit",
    thresholds: [
      { value: null, color: "red" },
      { value: 0, color: "orange" },
      { value: 0.25, color: "green" },
    ],
    targets: all.map((objective) => ({
      expr: budgetRemaining(objective, sloBadRatio(objective.key, SLO_PERIOD, ttftSeconds, query, BY_MODEL)),
      legend: `${objective.name} {{model_name}}`,
      instant: true,
    })),
  };
}

function burnRatePanel(objective: Objective, query: QueryOptions, ttftSeconds: number): PanelSpec {
  const allowed = Math.round((1 - objective.budget.objective) * 1e6) / 1e6;
  const tiers = objective.budget.tiers;
  // why: from raw series every point of a history re-reads its whole window (up to 3 days of samples),
  // so without our recording rules the panel shows the value now; the recorded dashboards draw the history.
  const now = query.source === "raw";
  const paging = Math.min(...tiers.filter((tier) => tier.severity === "critical").map((tier) => tier.factor));
  return {
    key: `user/slo-burn-${objective.key}`,
    kind: now ? "stat" : "timeseries",
    title: `${objective.name} burn rate per tier`,
    description:
      `How fast the ${objective.name} budget is spent, per model, over the long window of each alert tier: 1 spends exactly the ${SLO_PERIOD} budget in ${SLO_PERIOD}. ` +
      tiers
        .map((tier) => `${tier.alert} (${tier.severity}) fires above ${tier.factor} over ${tier.longWindow} and ${tier.shortWindow}`)
        .join("; ") +
      "." +
      (now
        ? " The value now only: a history would re-read up to 3 days of raw samples for every point. The dashboards made for our recording rules draw it over time."
        : ""),
    unit: "none",
    min: 0,
    ...(now
      ? {
          thresholds: [
            { value: null, color: "green" },
            { value: 1, color: "orange" },
            { value: paging, color: "red" },
          ],
        }
      : {}),
    targets: tiers.map((tier) => ({
      expr: `(${sloBadRatio(objective.key, tier.longWindow, ttftSeconds, query, BY_MODEL)}) / ${allowed}`,
      legend: `${tier.longWindow} (fires > ${tier.factor}) {{model_name}}`,
      ...(now ? { instant: true } : {}),
    })),
  };
}

/** Attainment and budget remaining over the period, and the burn rate each alert tier judges. */
export function objectivesRow(query: QueryOptions, thresholds: Thresholds): RowSpec {
  const all = objectives(thresholds);
  const ttftSeconds = thresholds.ttft.seconds;
  return {
    title: "Service level objectives",
    panels: [
      ...all.map((objective) => attainmentPanel(objective, query, ttftSeconds)),
      budgetPanel(all, query, ttftSeconds),
      ...all.map((objective) => burnRatePanel(objective, query, ttftSeconds)),
    ],
  };
}
