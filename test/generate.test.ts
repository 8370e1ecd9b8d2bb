import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ENV_NAMES, ENV_VARIABLES, defaultValue } from "../src/config/schema.js";
import { generatedArtifacts, staleArtifacts } from "../src/generate/artifacts.js";
import { buildMixin } from "../src/mixin/index.js";
import { runCli } from "./helpers/cli.js";

describe("vllm-monitor generate", () => {
  let dir = "";
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "generate-"));
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test("--check exits 1 and lists every missing file in an empty folder", async () => {
    const { code, stderr } = await runCli(["generate", "--check", "--dir", dir]);
    assert.equal(code, 1);
    for (const artifact of generatedArtifacts()) assert.ok(stderr.includes(artifact.path), `${artifact.path} not listed`);
  });

  test("writes the dashboards, rules and runbooks, after which --check passes", async () => {
    assert.equal((await runCli(["generate", "--dir", dir])).code, 0);
    assert.equal((await runCli(["generate", "--check", "--dir", dir])).code, 0);
    const dashboard = JSON.parse(await readFile(join(dir, "dashboards", "vllm-user-overview.json"), "utf8")) as { uid: string };
    assert.equal(dashboard.uid, "vllm-user-overview");
    assert.match(await readFile(join(dir, "docs", "runbooks.md"), "utf8"), /## VllmEngineNotServing/);
  });

  test("--check names a file edited by hand", async () => {
    await writeFile(join(dir, "rules", "vllm-alerts.yml"), "groups: []\n");
    const { code, stderr } = await runCli(["generate", "--check", "--dir", dir]);
    assert.equal(code, 1);
    assert.match(stderr, /rules\/vllm-alerts\.yml/);
    assert.doesNotMatch(stderr, /vllm-recording\.yml/);
  });

  test("the committed dashboards, rules and runbooks are up to date", async () => {
    assert.deepEqual(await staleArtifacts("."), []);
  });

  test("every runbook_url of the alerts is absolute and points at a section of docs/runbooks.md", async () => {
    const runbooks = generatedArtifacts().find((artifact) => artifact.path === join("docs", "runbooks.md"))?.content ?? "";
    const alerts = generatedArtifacts().find((artifact) => artifact.path === join("rules", "vllm-alerts.yml"))?.content ?? "";
    const base = defaultValue("RUNBOOK_BASE_URL");
    assert.match(base, /^https:\/\/.+\/docs\/runbooks\.md$/);
    const anchors = [...alerts.matchAll(/runbook_url: (\S+)#(\S+)/g)].map((match) => {
      assert.equal(match[1], base);
      return match[2];
    });
    assert.equal(anchors.length, buildMixin().alerts.length);
    const headings = new Set([...runbooks.matchAll(/^## (\S+)$/gm)].map((match) => match[1]!.toLowerCase()));
    for (const anchor of anchors) assert.ok(anchor !== undefined && headings.has(anchor), anchor);
  });
});

describe(".env_example", () => {
  const example = () => generatedArtifacts().find((artifact) => artifact.path === ".env_example")?.content ?? "";

  test("lists every variable of the schema with the schema's default, and sets no secret", () => {
    const text = example();
    for (const name of ENV_NAMES) {
      const variable: { default?: string; secret: boolean } = ENV_VARIABLES[name];
      const line = new RegExp(`^(# )?${name}=(.*)$`, "m").exec(text);
      assert.ok(line, `${name} is missing from .env_example`);
      assert.equal(line[2], variable.secret ? "" : (variable.default ?? ""), `${name} in .env_example`);
    }
    assert.match(text, /^SCHEMA=http$/m, "a local http vLLM works with the example as it is");
  });

  test("agrees with every default README's configuration table names", async () => {
    const readme = await readFile("README.md", "utf8");
    const rows = [...readme.matchAll(/^\| `([A-Z_]+)`(?:, `[A-Z_]+`)* \| `([^`]*)`(?:, `[^`]*`)* \|/gm)];
    assert.ok(rows.length >= 8, "README has a configuration table");
    for (const [, name, shown] of rows) {
      const variable: { default?: string } | undefined = (ENV_VARIABLES as Record<string, { default?: string }>)[name ?? ""];
      assert.ok(variable, `README names ${name}, which the schema does not declare`);
      assert.equal(shown, variable.default, `README's default of ${name}`);
    }
  });
});

describe("README's architecture", () => {
  test("names every folder of src/ and of the repository", async () => {
    const readme = await readFile("README.md", "utf8");
    const layout = readme.slice(readme.indexOf("## Architecture"));
    const { readdirSync, statSync } = await import("node:fs");
    const folders = [
      ...readdirSync("src")
        .filter((name) => statSync(join("src", name)).isDirectory())
        .map((name) => `src/${name}`),
      ...readdirSync(".")
        .filter(
          (name) => !name.startsWith(".") && name !== "node_modules" && name !== "dist" && name !== "build" && statSync(name).isDirectory(),
        )
        .map((name) => `${name}/`),
    ];
    for (const folder of folders) assert.ok(layout.includes(`\`${folder}`), `README's layout does not name ${folder}`);
  });
});

describe("runbooks", () => {
  test("name only variables the settings schema declares", async () => {
    const text = await readFile("docs/runbooks.md", "utf8");
    const prefixes = "VLLM|SLO|ALERT|PROMETHEUS|GRAFANA|NODE_EXPORTER|GPU_EXPORTER|REMOTE_WRITE|SIMULATOR|RUNBOOK|SCRAPE|MONITOR|ADMIN";
    const named = new Set([...text.matchAll(new RegExp(`\\b(?:${prefixes})_[A-Z0-9_]*[A-Z0-9]\\b`, "g"))].map((match) => match[0]));
    // why: prometheus_client's multiprocess folder is vLLM's own variable, which a runbook rightly names.
    const known = new Set<string>([...ENV_NAMES, "PROMETHEUS_MULTIPROC_DIR"]);
    assert.deepEqual(
      [...named].filter((name) => !known.has(name)),
      [],
    );
  });
});
