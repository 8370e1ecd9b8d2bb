export { parseEnvFile, type EnvEntry, type ParsedEnvFile } from "./env-file.js";
export {
  ENV_VARIABLES,
  ENV_NAMES,
  ENV_GROUPS,
  isEnvName,
  substitutableNames,
  defaultValue,
  type EnvName,
  type EnvValues,
  type EnvVariable,
} from "./schema.js";
export {
  loadSettings,
  environmentVariable,
  describeSource,
  describeProblem,
  DEFAULT_ENV_FILE,
  type Settings,
  type LoadSettingsOptions,
  type ValueSource,
} from "./load.js";
export { SERVICES, service, defaultPort, nativePort, portVariable, composeAddress, type Service, type ServiceName } from "./services.js";
export { Secret } from "./secret.js";
export {
  parseTargetList,
  resolveTargets,
  duplicateTargets,
  VLLM_DEFAULT_PORT,
  type Scheme,
  type TargetSpec,
  type VllmTarget,
} from "./targets.js";
export { parseTargetsFile, readTargetsFile } from "./targets-file.js";
