import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT, runCommand } from "./compose-fixture.js";

/** `make -n target`: prints the recipe without running it (no Docker engine runs here). */
async function dryRun(target: string, variables: readonly string[] = []): Promise<string[]> {
  // -o: treat node_modules and dist as up to date, so the plan shows the target's own recipe.
  // --no-print-directory: under `make test` the nested make would add "Entering directory" lines.
  const result = await runCommand("make", [
    "--no-print-directory",
    "-n",
    "-o",
    "node_modules/.package-lock.json",
    "-o",
    "dist/cli/main.js",
    target,
    ...variables,
  ]);
  assert.equal(result.code, 0, result.stderr);
  return result.stdout.trim().split("\n");
}

const EXPECTED: Record<string, string> = {
  "prometheus-conf": "node -- bin/vllm-monitor.js conf prometheus --out build --mode compose",
  "grafana-conf": "node -- bin/vllm-monitor.js conf grafana --out build --mode compose",
  "docker-build": "node -- bin/vllm-monitor.js build --out build",
  "docker-run": "node -- bin/vllm-monitor.js up --out build",
  "docker-stop": "node -- bin/vllm-monitor.js down --out build",
  "docker-up": "node -- bin/vllm-monitor.js up --build --logs --out build",
  "docker-logs": "node -- bin/vllm-monitor.js logs --out build",
  clean: "node -- bin/vllm-monitor.js clean --out build",
  test: "bash scripts/install-test-deps.sh\nnpm test",
  "test-docker": "bash scripts/test-docker.sh",
  generate: "npm run generate",
};

describe("Makefile", () => {
  for (const [target, command] of Object.entries(EXPECTED)) {
    test(`make ${target} runs \`${command.replace("\n", " && ")}\``, async () => {
      assert.deepEqual(await dryRun(target), command.split("\n"));
    });
  }

  test("ENV_FILE reaches the commands that read it and OUT every CLI call", async () => {
    assert.deepEqual(await dryRun("docker-run", ["ENV_FILE=prod.env", "OUT=build-prod"]), [
      "node -- bin/vllm-monitor.js up --env-file prod.env --out build-prod",
    ]);
    assert.deepEqual(await dryRun("docker-stop", ["ENV_FILE=prod.env", "OUT=build-prod"]), [
      "node -- bin/vllm-monitor.js down --out build-prod",
    ]);
  });

  test("make prometheus-conf really renders from an ENV_FILE, make clean deletes the output, and a missing ENV_FILE exits 2", async () => {
    // Real runs (no Docker needed). make rebuilds dist/ first when a source is newer.
    const root = await mkdtemp(join(tmpdir(), "vllm-monitor-make-"));
    const out = join(root, "build");
    await writeFile(join(root, "site.env"), "SCRAPE_INTERVAL=7s\n");
    const make = (target: string, envFile: string) =>
      runCommand("make", [
        "--no-print-directory",
        "-o",
        "node_modules/.package-lock.json",
        target,
        `ENV_FILE=${join(root, envFile)}`,
        `OUT=${out}`,
      ]);
    try {
      const conf = await make("prometheus-conf", "site.env");
      assert.equal(conf.code, 0, conf.stdout + conf.stderr);
      assert.match(await readFile(join(out, "prometheus", "prometheus.yml"), "utf8"), /scrape_interval: 7s/);
      const clean = await make("clean", "site.env");
      assert.equal(clean.code, 0, clean.stdout + clean.stderr);
      assert.equal(existsSync(out), false);
      const missing = await make("prometheus-conf", "missing.env");
      assert.match(missing.stderr, /missing\.env does not exist \(given with --env-file\)/);
      assert.equal(existsSync(out), false);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  test("does not build the CLI a second time right after npm ci compiled it", async () => {
    // npm ci writes node_modules/.package-lock.json after its prepare script compiled dist/: that stamp is newer than dist/.
    const sources = (await runCommand("find", ["src", "-name", "*.ts"])).stdout.trim().split("\n");
    const unchanged = [...sources, "package-lock.json", "tsconfig.json", "tsconfig.build.json"].flatMap((file) => ["-o", file]);
    const plan = await runCommand("make", [
      "--no-print-directory",
      "-n",
      ...unchanged,
      "-W",
      "node_modules/.package-lock.json",
      "docker-stop",
    ]);
    assert.equal(plan.code, 0, plan.stderr);
    assert.deepEqual(plan.stdout.trim().split("\n"), ["node -- bin/vllm-monitor.js down --out build"]);
  });

  test("make demo starts compose when docker info answers and the native stack otherwise", async () => {
    const plan = (await dryRun("demo")).join("\n");
    assert.match(plan, /if docker info >\/dev\/null 2>&1; then/);
    assert.match(plan, /node -- bin\/vllm-monitor\.js up --build --out build;/);
    assert.match(plan, /else[\s\S]*node -- bin\/vllm-monitor\.js up --native --out build;/);
    // up exits 3 when it cannot get the images (it started nothing): then the native stack.
    assert.match(plan, /if \[ \$status -eq 3 \]; then[\s\S]*up --native --out build;/);
  });

  test("installs the npm dependencies first when node_modules is missing or stale", async () => {
    const makefile = await readFile(join(REPO_ROOT, "Makefile"), "utf8");
    assert.match(makefile, /^node_modules\/\.package-lock\.json: package-lock\.json\n\tnpm ci/m);
    const result = await runCommand("make", ["-n", "-W", "package-lock.json", "test"]);
    assert.match(result.stdout, /^npm ci --no-audit --no-fund\nbash scripts\/install-test-deps.sh\nnpm test$/m);
  });

  test("every recipe line starts with a tab and every target is listed by make help", async () => {
    const makefile = await readFile(join(REPO_ROOT, "Makefile"), "utf8");
    const lines = makefile.split("\n");
    lines.forEach((line, index) => {
      const previous = lines[index - 1] ?? "";
      const inRecipe = /^[^\s#][^=]*:/.test(previous) || previous.startsWith("\t");
      if (inRecipe && line.startsWith(" ")) assert.fail(`Makefile:${index + 1} starts with spaces, not a tab`);
    });
    const phony = /^\.PHONY: (.*)$/m.exec(makefile)?.[1]?.split(/\s+/) ?? [];
    const help = (await runCommand("make", ["help"])).stdout;
    for (const target of phony) assert.match(help, new RegExp(`^${target}\\s`, "m"), `make help does not list ${target}`);
    for (const target of [...Object.keys(EXPECTED), "demo", "help"]) assert.ok(phony.includes(target), `${target} is not .PHONY`);
  });
});
