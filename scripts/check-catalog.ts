/**
 * Lists the `vllm:` families a vLLM source tree defines that the catalog lacks, or declares with
 * another type or other buckets.
 *
 *   npx tsx scripts/check-catalog.ts /path/to/vllm        (a checkout: the folder holding vllm/)
 *
 * Exit 0: nothing to report; 1: findings (printed); 2: the folder is not a vLLM source tree.
 */
import { readFile, readdir, stat } from "node:fs/promises";
import { join, relative } from "node:path";
import { allFamilies } from "../src/catalog/index.js";
import { compareWithCatalog, upstreamFamilies, type SourceFile } from "../src/catalog/upstream-check.js";
import { VLLM_SOURCE_CHECKED } from "../src/catalog/upstream.js";
import { UserError, isUserError } from "../src/errors.js";

/** Folders whose `vllm:` strings are not definitions (tests, benchmarks, examples). */
const SKIPPED = new Set(["tests", "benchmarks", "examples", "docs", ".git", "__pycache__", "node_modules"]);

async function pythonFiles(root: string, dir: string): Promise<SourceFile[]> {
  const files: SourceFile[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory() && !SKIPPED.has(entry.name)) files.push(...(await pythonFiles(root, path)));
    else if (entry.isFile() && entry.name.endsWith(".py")) {
      const text = await readFile(path, "utf8");
      // why: definitions may name a constant another file holds (`CPUOffloadingMetrics.X: OffloadingGaugeMetadata(…)`).
      if (text.includes("vllm:") || text.includes("etric")) files.push({ path: relative(root, path), text });
    }
  }
  return files;
}

async function sourceTree(root: string | undefined): Promise<SourceFile[]> {
  const usage = "give the folder of a vLLM checkout (the one holding vllm/), e.g. `npx tsx scripts/check-catalog.ts ~/src/vllm`";
  if (root === undefined) throw new UserError("no vLLM source tree given", [usage]);
  const isDirectory = await stat(join(root, "vllm")).then(
    (info) => info.isDirectory(),
    () => false,
  );
  if (!isDirectory) throw new UserError(`${root} is not a vLLM source tree`, [`${join(root, "vllm")} is not a folder`, usage]);
  const files = await pythonFiles(root, join(root, "vllm"));
  if (files.length === 0)
    throw new UserError(`${root} defines no vllm: metrics`, [`no .py file under ${join(root, "vllm")} mentions "vllm:"`, usage]);
  return files;
}

async function main(argv: readonly string[]): Promise<number> {
  const files = await sourceTree(argv[0]);
  const upstream = upstreamFamilies(files);
  const findings = compareWithCatalog(upstream, allFamilies());
  const unresolved = upstream.families.filter((family) => family.buckets === "unresolved").map((family) => family.name);
  process.stdout.write(
    `${upstream.families.length} vllm: families read in ${argv[0]}, ${upstream.mentions.length} more names mentioned (type not read); ${findings.length} finding(s)\n`,
  );
  if (unresolved.length > 0)
    process.stdout.write(`buckets not evaluated (an expression the scanner does not compute): ${unresolved.join(", ")}\n`);
  for (const finding of findings) process.stdout.write(`${finding.kind}: ${finding.name} (${finding.detail}) at ${finding.where}\n`);
  const checked = VLLM_SOURCE_CHECKED;
  process.stdout.write(`the catalog was last checked against ${checked.repository} at ${checked.commit} (${checked.date})\n`);
  return findings.length === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (!isUserError(error)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  },
);
