export { runDoctor, type DoctorInputs } from "./run.js";
export { formatReport } from "./format.js";
export { checkTarget, VARIABLES } from "./checkTarget.js";
export { classifyGeneration, type GenerationFindings } from "./generation.js";
export { dashboardPanels, recordingRules, seriesInExpr, panelCoverage, type PanelQueries, type PanelCoverage } from "./panels.js";
export { fetchPrometheusTargets, findPrometheusTarget, type PrometheusTargets } from "./prometheus.js";
export type {
  CheckName,
  CheckResult,
  CheckStatus,
  DoctorReport,
  DoctorSettings,
  DoctorTarget,
  EmptyPanel,
  OtherExporterPanel,
  PrometheusTargetHealth,
  TargetReport,
  VllmGeneration,
} from "./types.js";
