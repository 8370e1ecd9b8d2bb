/**
 * The one place a rule file of the mixin becomes YAML text: `generate` (rules/), the renderer
 * (the output folder) and the tests that hand files to promtool write what this returns.
 */
import { stringify } from "yaml";
import type { RuleFile } from "../mixin/rules/index.js";

export function ruleFileText(file: RuleFile): string {
  const comment = file.comment.map((line) => `# ${line}\n`).join("");
  const groups = file.groups.map((group) => ({ name: group.name, rules: group.rules.map((rule) => ({ ...rule })) }));
  return comment + stringify({ groups }, { lineWidth: 0 });
}
