// Run by test/test-runner.test.ts through scripts/test-loader.mjs: prints where it thinks it is, then
// fails on a known line, whose number the stack trace must show.
import { fileURLToPath } from "node:url";
import { describeEmpty } from "../e2e/panels.js";

interface Where {
  readonly url: string;
  readonly dirname: string;
  readonly imported: string;
}

const where: Where = { url: import.meta.url, dirname: import.meta.dirname, imported: typeof describeEmpty };
console.log(JSON.stringify(where));
if (fileURLToPath(import.meta.url).endsWith(".ts")) throw new Error("the probe fails here, on purpose");
