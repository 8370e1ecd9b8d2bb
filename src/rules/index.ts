/** A generated Prometheus rule file: committed under rules/<fileName> and loaded by Prometheus. */
export interface RuleFile {
  readonly fileName: string;
  /** The YAML text of the rule file. */
  readonly content: string;
}

/** Every alerting and recording rule file the project ships. Pure. */
export function ruleFiles(): RuleFile[] {
  return [];
}
