import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { selfInvocation } from "../src/stack/native/self.js";
import { useTemporaryDirs } from "./helpers/temporary.js";

const temporaryDir = useTemporaryDirs();

interface CompiledCli {
  staleFiles(root: string): string[];
}

// why: a plain .mjs script (run by node before anything is compiled), imported without its types.
const compiledCli = async (): Promise<CompiledCli> => (await import("../scripts/compiled-cli.mjs" as string)) as CompiledCli;

/** A checkout with src/cli/main.ts, src/viewer/page/main.ts and their dist/ files, each at the time given. */
function checkout(times: { source: number; compiled: number; config?: number }): string {
  const root = temporaryDir("compiled-cli-");
  const write = (path: string, at: number): void => {
    mkdirSync(join(root, path, ".."), { recursive: true });
    writeFileSync(join(root, path), "");
    utimesSync(join(root, path), at, at);
  };
  write("tsconfig.json", times.config ?? 1000);
  write("tsconfig.build.json", times.config ?? 1000);
  write("src/cli/main.ts", times.source);
  write("src/viewer/page/main.ts", times.source + 500);
  write("dist/cli/main.js", times.compiled);
  return root;
}

test("the runner recompiles the children's CLI when a source file or the tsc config is newer than dist/, and only then", async () => {
  const { staleFiles } = await compiledCli();
  assert.deepEqual(staleFiles(checkout({ source: 2000, compiled: 3000 })), [], "up to date (the bundled page is not tsc's)");
  const edited = checkout({ source: 3000, compiled: 2000 });
  assert.deepEqual(staleFiles(edited), [join(edited, "src/cli/main.ts")]);
  const reconfigured = checkout({ source: 2000, compiled: 3000, config: 4000 });
  assert.deepEqual(staleFiles(reconfigured), [join(reconfigured, "src/cli/main.ts")]);
  const fresh = checkout({ source: 2000, compiled: 3000 });
  writeFileSync(join(fresh, "src/cli/new.ts"), "");
  assert.deepEqual(staleFiles(fresh), [join(fresh, "src/cli/new.ts")], "a new file has no compiled file yet");
});

test("a native stack started from source runs the compiled CLI named by VLLM_MONITOR_COMPILED_CLI, else the source through tsx", () => {
  assert.deepEqual(selfInvocation({ VLLM_MONITOR_COMPILED_CLI: "/checkout/dist/cli/main.js" }), {
    command: process.execPath,
    args: ["--", "/checkout/dist/cli/main.js"],
  });
  const fromSource = selfInvocation({});
  assert.equal(fromSource.args[0], "--import");
  assert.match(fromSource.args.at(-1) ?? "", /src\/cli\/main\.ts$/);
});
