/** `vllm-monitor generate`: write the committed artifacts (dashboards, rules, runbooks); `--check` reports stale ones. */
import type { Command } from "commander";
import { print, printError } from "../../output.js";

interface GenerateOptions {
  readonly check: boolean;
  readonly dir: string;
}

export function register(program: Command): void {
  program
    .command("generate")
    .description("write dashboards/*.json, rules/*.yml, docs/runbooks.md and .env_example from the code")
    .option("--check", "write nothing; exit 1 and list the files that are stale or missing", false)
    .option("--dir <path>", "the project root to write into", ".")
    .action(async (options: GenerateOptions) => {
      // why: loaded on use: the mixin and the Kubernetes models would slow every other command's start.
      const { staleArtifacts, writeArtifacts } = await import("../../generate/artifacts.js");
      if (options.check) {
        const stale = await staleArtifacts(options.dir);
        if (stale.length === 0) {
          print("generated files are up to date\n");
          return;
        }
        printError(
          `stale generated files (run \`npm run generate\` and commit the result):\n${stale.map((path) => `  - ${path}`).join("\n")}\n`,
        );
        process.exitCode = 1;
        return;
      }
      const written = await writeArtifacts(options.dir);
      print(written.length === 0 ? "generated files already up to date\n" : `wrote:\n${written.map((path) => `  - ${path}`).join("\n")}\n`);
    });
}
