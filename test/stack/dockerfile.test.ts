import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { defaultImages } from "../../src/stack/images.js";
import { REPO_ROOT } from "./compose-fixture.js";

interface Instruction {
  readonly keyword: string;
  readonly args: string;
}

/** Dockerfile instructions with continuation lines joined and comments dropped. */
async function instructions(): Promise<Instruction[]> {
  const text = await readFile(join(REPO_ROOT, "Dockerfile"), "utf8");
  const joined = text.replace(/\\\n/g, " ");
  return joined
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((line) => {
      const [keyword = "", ...rest] = line.split(/\s+/);
      return { keyword: keyword.toUpperCase(), args: rest.join(" ") };
    });
}

async function dockerignore(): Promise<string[]> {
  const text = await readFile(join(REPO_ROOT, ".dockerignore"), "utf8");
  return text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
}

/** The context paths a COPY/ADD reads (not `--from=` copies between stages). */
function contextSources(instruction: Instruction): string[] {
  const words = instruction.args.split(/\s+/).filter((word) => !word.startsWith("--"));
  if (instruction.args.includes("--from=")) return [];
  return words.slice(0, -1);
}

describe("the vllm-monitor image", () => {
  test("is built in two stages on the Node.js base of the NODE_IMAGE argument, whose default is the schema's pinned node 20 slim", async () => {
    const froms = (await instructions()).filter((i) => i.keyword === "FROM");
    assert.equal(froms.length, 2);
    for (const from of froms) assert.match(from.args, /^\$\{NODE_IMAGE\} AS /);
    const text = await readFile(join(REPO_ROOT, "Dockerfile"), "utf8");
    assert.equal(/^ARG NODE_IMAGE=(.+)$/m.exec(text)?.[1], defaultImages().NODE_IMAGE);
    assert.match(defaultImages().NODE_IMAGE, /^node:20\.\d+\.\d+-bookworm-slim$/);
    assert.match(text, /npm ci/);
    assert.match(text, /tsc -p tsconfig\.build\.json/);
  });

  test("takes a CA bundle for npm as the BUILD_CA_CERTS build argument, in the build stage only", async () => {
    const all = await instructions();
    const runtimeStart = all.findIndex((i) => i.keyword === "FROM" && i.args.endsWith("AS runtime"));
    const declared = all.findIndex((i) => i.keyword === "ARG" && i.args.startsWith("BUILD_CA_CERTS"));
    assert.ok(declared > 0 && declared < runtimeStart, "BUILD_CA_CERTS is not an argument of the build stage");
    const npmCi = all.find((i) => i.keyword === "RUN" && i.args.includes("npm ci"));
    assert.match(npmCi?.args ?? "", /NODE_EXTRA_CA_CERTS=/);
    assert.ok(!all.slice(runtimeStart).some((i) => i.args.includes("BUILD_CA_CERTS")), "the runtime stage uses BUILD_CA_CERTS");
  });

  test("never copies .env, build/ or the whole context into a layer", async () => {
    for (const instruction of (await instructions()).filter((i) => i.keyword === "COPY" || i.keyword === "ADD")) {
      for (const source of contextSources(instruction)) {
        assert.ok(!/(^|\/)\.env/.test(source), `copies ${source}`);
        assert.ok(!/^\.?\/?build\b/.test(source), `copies ${source}`);
        assert.notEqual(source.replace(/\/$/, ""), ".", `${instruction.keyword} ${instruction.args} copies the whole context`);
      }
    }
  });

  test("copies only paths that exist in the repository", async () => {
    for (const instruction of (await instructions()).filter((i) => i.keyword === "COPY")) {
      for (const source of contextSources(instruction)) assert.ok(existsSync(join(REPO_ROOT, source)), `COPY ${source}: no such path`);
    }
  });

  test("runs as a non-root user", async () => {
    const users = (await instructions()).filter((i) => i.keyword === "USER");
    const last = users.at(-1)?.args;
    assert.ok(last !== undefined, "no USER instruction");
    assert.ok(!["root", "0", "0:0"].includes(last), `runs as ${last}`);
  });

  test("keeps .env, build/, node_modules and .git out of the build context", async () => {
    const ignored = await dockerignore();
    for (const entry of [".env", "build/", "node_modules/", ".git/"]) assert.ok(ignored.includes(entry), `.dockerignore lacks ${entry}`);
  });
});
