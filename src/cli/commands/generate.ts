/** `vllm-monitor generate`: write the committed artifacts (dashboards, rules, runbooks); `--check` reports stale ones. */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { Command } from "commander";
import { dashboardFiles, defaultDashboardOptions, type DashboardFile } from "../../dashboards/index.js";
import { RUNBOOK_PATH, defaultThresholds, ruleFiles, runbooksMarkdown } from "../../rules/index.js";

export interface Artifact {
  /** Path relative to the project root. */
  readonly path: string;
  readonly content: string;
}

function dashboardArtifacts(folder: string, files: DashboardFile[]): Artifact[] {
  return files.map((file) => ({ path: join(folder, file.fileName), content: `${JSON.stringify(file.dashboard, null, 2)}\n` }));
}

/**
 * Everything `generate` writes, as text. Pure.
 * why: `dashboards/*.json` read raw series so they work in any Grafana + Prometheus; the variant that
 * reads our recording rules (what our own stack provisions) sits in `dashboards/with-recording-rules/`.
 */
export function generatedArtifacts(): Artifact[] {
  return [
    ...dashboardArtifacts("dashboards", dashboardFiles({ ...defaultDashboardOptions(), source: "raw" })),
    ...dashboardArtifacts(join("dashboards", "with-recording-rules"), dashboardFiles()),
    ...ruleFiles().map((file) => ({ path: join("rules", file.fileName), content: file.content })),
    { path: RUNBOOK_PATH, content: runbooksMarkdown(defaultThresholds()) },
  ];
}

async function readIfPresent(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/** Paths (relative to `root`) whose content differs from what `generate` would write. */
export async function staleArtifacts(root: string): Promise<string[]> {
  const stale: string[] = [];
  for (const artifact of generatedArtifacts()) {
    if ((await readIfPresent(join(root, artifact.path))) !== artifact.content) stale.push(artifact.path);
  }
  return stale;
}

export async function writeArtifacts(root: string): Promise<string[]> {
  const written: string[] = [];
  for (const artifact of generatedArtifacts()) {
    const target = join(root, artifact.path);
    if ((await readIfPresent(target)) === artifact.content) continue;
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, artifact.content);
    written.push(artifact.path);
  }
  return written;
}

interface GenerateOptions {
  readonly check: boolean;
  readonly dir: string;
}

export function register(program: Command): void {
  program
    .command("generate")
    .description("write dashboards/*.json, rules/*.yml and docs/runbooks.md from the code")
    .option("--check", "write nothing; exit 1 and list the files that are stale or missing", false)
    .option("--dir <path>", "the project root to write into", ".")
    .action(async (options: GenerateOptions) => {
      if (options.check) {
        const stale = await staleArtifacts(options.dir);
        if (stale.length === 0) {
          process.stdout.write("generated files are up to date\n");
          return;
        }
        process.stderr.write(`stale generated files (run \`npm run generate\` and commit the result):\n${stale.map((path) => `  - ${path}`).join("\n")}\n`);
        process.exitCode = 1;
        return;
      }
      const written = await writeArtifacts(options.dir);
      process.stdout.write(written.length === 0 ? "generated files already up to date\n" : `wrote:\n${written.map((path) => `  - ${path}`).join("\n")}\n`);
    });
}
