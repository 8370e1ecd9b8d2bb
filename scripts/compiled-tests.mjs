// Before the tests run, three tsc passes, side by side (tsc keeps one core busy; the machine may have more):
// - the suite (tsconfig.json: src, test, bench, scripts), type-checked and compiled into
//   COMPILED_TESTS_DIR for scripts/test-loader.mjs, so each test file's process runs JavaScript
//   instead of starting tsx (about a second of CPU per file, over a hundred files). Incremental: a
//   second run compiles only what changed;
// - the viewer's page (tsconfig.viewer.json), type-checked only (scripts/build-viewer.mjs bundles it);
// - the CLI the tests start as child processes (scripts/compiled-cli.mjs), when dist/ is stale.
import { spawn } from "node:child_process";
import { mkdirSync, utimesSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { BUILD_CONFIG, staleFiles } from "./compiled-cli.mjs";

// why: under node_modules/.cache, which git, Docker builds, prettier and knip already leave alone.
export const COMPILED_TESTS_DIR = "node_modules/.cache/vllm-monitor/tests";
/**
 * In COMPILED_TESTS_DIR, its time the start of the last compile that succeeded: a source file changed
 * after it is stale there (an unchanged file tsc did not write again is not).
 */
export const COMPILED_STAMP = "compiled-from-sources-of";

function tsc(root, args) {
  const bin = createRequire(join(root, "package.json")).resolve("typescript/bin/tsc");
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: root, stdio: ["ignore", 2, 2] });
    child.on("error", reject);
    child.on("exit", (code, signal) => resolve(code === 0 ? undefined : `tsc ${args.join(" ")} exited ${code ?? signal}`));
  });
}

/**
 * Type-checks the suite and the viewer's page, compiles the suite (unless `compileSuite` is false:
 * a run through tsx) and the children's CLI (unless `compileCli` is false). Resolves to what it
 * compiled; rejects, naming every pass that failed (tsc printed why on stderr), with how to go on.
 */
export async function prepareTests(root, { compileSuite = true, compileCli = true } = {}) {
  const out = join(root, COMPILED_TESTS_DIR);
  const started = new Date();
  const stale = compileCli ? staleFiles(root) : [];
  const passes = [
    compileSuite
      ? tsc(root, ["-p", "tsconfig.json", "--outDir", out, "--incremental", "--tsBuildInfoFile", join(out, "tsconfig.tsbuildinfo")])
      : tsc(root, ["-p", "tsconfig.json", "--noEmit"]),
    tsc(root, ["-p", "tsconfig.viewer.json"]),
    stale.length > 0 ? tsc(root, ["-p", BUILD_CONFIG]) : undefined,
  ];
  const failed = (await Promise.all(passes)).filter((failure) => failure !== undefined);
  if (failed.length > 0)
    throw new Error(
      `${failed.join("; ")}: the suite does not type-check (errors above). Fix them` +
        (compileSuite ? ", or run with TEST_COMPILED=0 to run the sources through tsx" : ""),
    );
  if (compileSuite) {
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, COMPILED_STAMP), "");
    utimesSync(join(out, COMPILED_STAMP), started, started);
  }
  return { cli: join(root, "dist", "cli", "main.js"), compiledCli: stale.length, compiledSuite: compileSuite ? out : undefined };
}
