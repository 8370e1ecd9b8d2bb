// `node --import ./scripts/test-loader.mjs FILE.ts` runs a test file from the JavaScript that
// scripts/compiled-tests.mjs compiled (tsc, the same pass that type-checks the suite), without
// tsx's start-up in each test file's process. Modules keep their .ts URLs, so import.meta.dirname,
// fixtures beside a test and stack traces (through --enable-source-maps) all read as from source.
import { register } from "node:module";
import { pathToFileURL } from "node:url";
import { COMPILED_STAMP, COMPILED_TESTS_DIR } from "./compiled-tests.mjs";

const root = new URL("..", import.meta.url);
register("./test-loader-hooks.mjs", import.meta.url, {
  data: {
    rootUrl: root.href,
    compiledUrl: pathToFileURL(`${new URL(COMPILED_TESTS_DIR, root).pathname}/`).href,
    stamp: new URL(`${COMPILED_TESTS_DIR}/${COMPILED_STAMP}`, root).href,
  },
});
