export { runDoctor, type DoctorInputs } from "./run.js";
export { formatReport } from "./format.js";
export { checkTarget, FIX_VARIABLES } from "./check-target.js";
export { classifyGeneration, type GenerationFindings } from "./generation.js";
export { panelQueries, catalogSeriesIn, panelCoverage, type PanelQueries, type PanelCoverage } from "./panels.js";
export { findPrometheusTarget } from "./prometheus.js";
export type {
  CheckName,
  CheckResult,
  CheckStatus,
  DoctorReport,
  DoctorSettings,
  DoctorTarget,
  EmptyPanel,
  OptionalPanel,
  OtherExporterPanel,
  TargetReport,
  VllmGeneration,
} from "./types.js";
