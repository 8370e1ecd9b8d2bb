// The compiled CLI that the tests start as child processes (VLLM_MONITOR_COMPILED_CLI): the same
// source, without tsx's loader in every `up`, supervisor, simulator and viewer they start, which
// took about half the CPU of the process-heavy test files. dist/ is rebuilt first when any source
// file is newer than its compiled file, so a child never runs older code than the test that starts it.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { join, relative } from "node:path";

const BUILD_CONFIG = "tsconfig.build.json";
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

/**
 * dist/cli/main.js, compiled now if stale. Throws with tsc's exit status when it does not compile
 * (tsc's messages are on stderr already).
 */
export function compiledCli(root) {
  const main = join(root, "dist", "cli", "main.js");
  const stale = staleFiles(root);
  if (stale.length === 0) return { main, compiledNow: false };
  const tsc = createRequire(join(root, "package.json")).resolve("typescript/bin/tsc");
  const build = spawnSync(process.execPath, [tsc, "-p", BUILD_CONFIG], { cwd: root, stdio: ["ignore", 2, 2] });
  if (build.status !== 0)
    throw new Error(
      `tsc -p ${BUILD_CONFIG} exited ${build.status ?? build.signal}: the CLI the tests start as child processes does not compile (errors above); ` +
        "fix them, or run with TEST_COMPILED_CLI=0 to start the children from source through tsx",
    );
  return { main, compiledNow: true, stale: stale.length };
}
