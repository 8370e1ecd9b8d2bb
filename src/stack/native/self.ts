/**
 * How to run this package's own CLI in a child process: the compiled `dist/cli/main.js` with
 * plain node, or `src/cli/main.ts` through tsx when we run from source (tests, `npm run` scripts).
 */
import { fileURLToPath } from "node:url";
import type { CliInvocation } from "./plan.js";

export function selfInvocation(): CliInvocation {
  const fromSource = import.meta.url.endsWith(".ts");
  const main = fileURLToPath(new URL(`../../cli/main.${fromSource ? "ts" : "js"}`, import.meta.url));
  // why: an absolute loader URL, because `--import tsx` would resolve from the child's working directory.
  const loader = fromSource ? ["--import", import.meta.resolve("tsx")] : [];
  // why: `--` keeps Node 20 from taking our `--env-file` option as its own (it exits 9 on a missing file).
  return { command: process.execPath, args: [...loader, "--", main] };
}
