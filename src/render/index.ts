export {
  renderTemplate,
  renderTemplateCollecting,
  formatOf,
  type TemplateValue,
  type TemplateValues,
  type RenderOptions,
  type RenderResult,
  type TemplateFormat,
} from "./template.js";
export { placeValue, placementContext, type PlacementContext, type Placement } from "./quote.js";
export { OUTPUT_LAYOUT, OUTPUT_MARKER, DEFAULT_OUT_DIR, runtimePath, type StackMode } from "./layout.js";
export { composeEndpoints, nativeEndpoints, expectedServices, gpuExporterService, LISTEN_HOST, type StackEndpoints } from "./endpoints.js";
export { composeEnvText, composeProfiles, imageVariables, type HostUser, type GrafanaAdmin } from "./compose-env.js";
export {
  renderStackConfig,
  fileSdGroups,
  defaultTemplatesDir,
  type OutputFile,
  type RenderStackOptions,
  type RenderedStack,
  type StackPart,
} from "./stack.js";
export { writeOutputTree, removeOutputTree, isOutputFolder, type WriteResult } from "./writer.js";
