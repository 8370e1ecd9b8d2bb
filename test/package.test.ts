import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";

test("the npm package carries everything up needs: the compose file, the templates (Alertmanager's among them) and what the image is built from", () => {
  const packed = JSON.parse(execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { encoding: "utf8" })) as {
    files: { path: string }[];
  }[];
  const files = new Set(packed[0]?.files.map((file) => file.path));
  for (const needed of [
    "bin/vllm-monitor.js",
    "docker-compose.yml",
    "templates/alertmanager/vllm-monitor.tmpl",
    "templates/prometheus/prometheus.yml.template",
    "templates/grafana/provisioning/datasources/prometheus.yml.template",
    "Dockerfile",
    ".dockerignore",
    "src/cli/main.ts",
    "tsconfig.build.json",
    ".env_example",
    "dashboards/vllm-user-overview.json",
    "rules/vllm-alerts.yml",
    "deploy/kubernetes/kustomization.yaml",
  ]) {
    assert.ok(files.has(needed), `the package lacks ${needed}`);
  }
  assert.ok(
    ![...files].some((path) => path === ".env" || path.startsWith("build/") || path.startsWith(".vllm-monitor/")),
    "no secret or rendered file is packed",
  );
});
