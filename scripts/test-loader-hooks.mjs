// The module hooks behind scripts/test-loader.mjs (they run on node's loader thread).
// - resolve: `./x.js` written in a .ts file names `./x.ts` when there is no x.js (TypeScript's NodeNext spelling);
// - load: a .ts file of the project loads as its compiled .js, its source map inline.
import { existsSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { fileURLToPath } from "node:url";

let rootUrl = "";
let compiledUrl = "";
/** When the last successful compile started (scripts/compiled-tests.mjs); undefined when there was none. */
let compiledAt;

export async function initialize(data) {
  rootUrl = data.rootUrl;
  compiledUrl = data.compiledUrl;
  compiledAt = await stat(new URL(data.stamp)).then(
    (found) => found.mtimeMs,
    () => undefined,
  );
}

export async function resolve(specifier, context, nextResolve) {
  const parent = context.parentURL;
  if (parent?.startsWith(rootUrl) && parent.endsWith(".ts") && specifier.startsWith(".") && specifier.endsWith(".js")) {
    const typescript = new URL(`${specifier.slice(0, -3)}.ts`, parent);
    if (!existsSync(new URL(`${specifier}`, parent)) && existsSync(typescript))
      return { url: typescript.href, format: "module", shortCircuit: true };
  }
  return nextResolve(specifier, context);
}

export async function load(url, context, nextLoad) {
  if (!url.startsWith(rootUrl) || !url.endsWith(".ts") || url.includes("/node_modules/")) return nextLoad(url, context);
  const compiled = new URL(`${url.slice(rootUrl.length, -3)}.js`, compiledUrl);
  const sourceTime = await stat(new URL(url)).then(
    (found) => found.mtimeMs,
    () => undefined,
  );
  if (compiledAt === undefined || !existsSync(compiled))
    throw new Error(
      `${fileURLToPath(url)} has no compiled file at ${fileURLToPath(compiled)}: is it outside tsconfig.json's "include"? ` +
        "(node scripts/run-tests.mjs compiles every test first; TEST_COMPILED=0 runs the sources through tsx)",
    );
  if (sourceTime !== undefined && sourceTime > compiledAt)
    throw new Error(
      `${fileURLToPath(url)} changed after the suite was compiled into ${fileURLToPath(compiledUrl)}: ` +
        "run it through node scripts/run-tests.mjs, which compiles first (or TEST_COMPILED=0 to run the sources through tsx)",
    );
  const source = await readFile(compiled, "utf8");
  // why: node (20) maps a stack through a map given inline, not through a map file beside code loaded by a hook; and the
  // map's source must name the .ts file by its URL, since the module's URL is the .ts file's, not the compiled file's.
  const withMap = await inlineSourceMap(source, compiled, url);
  return { format: "module", source: withMap, shortCircuit: true };
}

async function inlineSourceMap(source, compiled, url) {
  const comment = source.match(/\/\/# sourceMappingURL=(\S+)\s*$/);
  if (comment === null) return source;
  let map;
  try {
    map = JSON.parse(await readFile(new URL(comment[1], compiled), "utf8"));
  } catch {
    return source.slice(0, comment.index);
  }
  map.sources = [url];
  delete map.sourceRoot;
  return `${source.slice(0, comment.index)}//# sourceMappingURL=data:application/json;base64,${Buffer.from(JSON.stringify(map)).toString("base64")}\n`;
}
