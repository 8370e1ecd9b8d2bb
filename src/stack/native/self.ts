/**
 * How to run this package's own CLI in a child process: the compiled `dist/cli/main.js` with
 * plain node, or `src/cli/main.ts` through tsx when we run from source (tests, `npm run` scripts).
 * From source, `VLLM_MONITOR_COMPILED_CLI` (set by the test runner to a fresh `dist/cli/main.js`)
 * names a compiled CLI to start instead: the same code without tsx's cost in every child.
 */
import { fileURLToPath } from "node:url";
import type { CliInvocation } from "./plan.js";

export const COMPILED_CLI_VARIABLE = "VLLM_MONITOR_COMPILED_CLI";

export function selfInvocation(env: NodeJS.ProcessEnv = process.env): CliInvocation {
  const fromSource = import.meta.url.endsWith(".ts");
  const compiled = env[COMPILED_CLI_VARIABLE];
  // why: `--` keeps Node 20 from taking our `--env-file` option as its own (it exits 9 on a missing file).
  if (fromSource && compiled !== undefined && compiled !== "") return { command: process.execPath, args: ["--", compiled] };
  const main = fileURLToPath(new URL(`../../cli/main.${fromSource ? "ts" : "js"}`, import.meta.url));
  // why: an absolute loader URL, because `--import tsx` would resolve from the child's working directory.
  const loader = fromSource ? ["--import", import.meta.resolve("tsx")] : [];
  return { command: process.execPath, args: [...loader, "--", main] };
}
