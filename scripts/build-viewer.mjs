/**
 * Bundles the viewer page (src/viewer/page) with esbuild into dist/viewer-page: Perses' React
 * libraries, the panel plugins, fonts and styles, so the npm package serves it with nothing from a CDN.
 */
import { copyFile, mkdir, rm } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import * as esbuild from "esbuild";

const root = fileURLToPath(new URL("../", import.meta.url));
const page = join(root, "src", "viewer", "page");
const out = join(root, "dist", "viewer-page");

/**
 * why: Perses' libraries are published as ESM and CommonJS, and some are reached through `require`;
 * esbuild then bundles both copies of a package such as @tanstack/react-query, and a React context
 * from one copy is invisible to the other ("No QueryClient set"). Resolving every bare import as
 * `require` does keeps one copy. The plugin packages are the exception: their CommonJS build reads a
 * package.json that is not published, so they stay ESM (nothing requires them).
 */
const oneCopyPerPackage = {
  name: "one-copy-per-package",
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (args.pluginData === "resolving" || /^@perses-dev\/[a-z-]+-plugin(\/|$)/.test(args.path)) return undefined;
      if (args.kind !== "import-statement" && args.kind !== "dynamic-import") return undefined;
      const resolved = await build.resolve(args.path, {
        kind: "require-call",
        resolveDir: args.resolveDir,
        importer: args.importer,
        pluginData: "resolving",
      });
      if (resolved.errors.length > 0) return undefined;
      return { path: resolved.path, external: resolved.external, sideEffects: resolved.sideEffects };
    });
  },
};

await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });
const result = await esbuild.build({
  entryPoints: [join(page, "main.tsx")],
  bundle: true,
  format: "esm",
  platform: "browser",
  target: "es2022",
  jsx: "automatic",
  outdir: out,
  minify: true,
  legalComments: "linked",
  loader: { ".woff": "file", ".woff2": "file", ".ttf": "file" },
  define: { "process.env.NODE_ENV": '"production"', global: "globalThis" },
  plugins: [oneCopyPerPackage],
  metafile: true,
  logLevel: "warning",
});
await copyFile(join(page, "index.html"), join(out, "index.html"));
await copyFile(join(page, "viewer.css"), join(out, "viewer.css"));
const bytes = Object.values(result.metafile.outputs).reduce((sum, output) => sum + output.bytes, 0);
console.log(`viewer page: ${Object.keys(result.metafile.outputs).length} files, ${(bytes / 1e6).toFixed(1)} MB in ${out}`);
