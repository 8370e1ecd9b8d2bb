// The compiled CLI that the tests start as child processes (VLLM_MONITOR_COMPILED_CLI): the same
// source, without tsx's loader in every `up`, supervisor, simulator and viewer they start, which
// took about half the CPU of the process-heavy test files. dist/ is rebuilt first (scripts/compiled-tests.mjs)
// when any source file is newer than its compiled file, so a child never runs older code than the test that starts it.
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";

export const BUILD_CONFIG = "tsconfig.build.json";
// why: the page is bundled by scripts/build-viewer.mjs, not compiled by tsc (tsconfig.build.json excludes it).
const NOT_COMPILED = join("src", "viewer", "page");

function sourceFiles(root, dir) {
  const found = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (relative(root, path) === NOT_COMPILED) continue;
    if (statSync(path).isDirectory()) found.push(...sourceFiles(root, path));
    else if (entry.endsWith(".ts") && !entry.endsWith(".d.ts")) found.push(path);
  }
  return found;
}

/** Source files whose compiled file in dist/ is missing or older, relative to root. */
export function staleFiles(root) {
  const built = (path) => join(root, "dist", relative(join(root, "src"), path).replace(/\.ts$/, ".js"));
  const configTime = Math.max(...["tsconfig.json", BUILD_CONFIG].map((file) => statSync(join(root, file)).mtimeMs));
  return sourceFiles(root, join(root, "src")).filter((path) => {
    const output = built(path);
    if (!existsSync(output)) return true;
    const outputTime = statSync(output).mtimeMs;
    return outputTime < statSync(path).mtimeMs || outputTime < configTime;
  });
}
