export { parseEnvFile, type EnvEntry, type ParsedEnvFile } from "./envFile.js";
export { ENV_VARIABLES, ENV_NAMES, isEnvName, substitutableNames, type EnvName, type EnvValues, type EnvVariable } from "./schema.js";
export { loadConfig, describeSource, type MonitorConfig, type LoadConfigOptions, type ValueSource } from "./load.js";
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
