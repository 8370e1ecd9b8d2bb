export { runDoctor } from "./run.js";
export { formatReport } from "./format.js";
export { classifyGeneration } from "./generation.js";
export { panelQueries, catalogSeriesIn, panelCoverage } from "./panels.js";
