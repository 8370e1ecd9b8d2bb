import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  COMPOSE_PLUGIN,
  COMPOSE_STANDALONE,
  composeBuildArgs,
  composeDownArgs,
  composeLogsArgs,
  composeReloadArgs,
  composeUpArgs,
} from "../../src/stack/compose/args.js";
import { composeProfileNames } from "../../src/config/services.js";

const target = { composeFile: "/repo/docker-compose.yml", projectName: "vllm-monitor", envFile: "/repo/build/compose.env" };

function profilesOf(args: readonly string[]): string[] {
  return args.flatMap((arg, index) => (arg === "--profile" ? [args[index + 1] ?? ""] : []));
}

describe("compose command lines", () => {
  test("up starts detached with the rendered env file and a fixed project name", () => {
    assert.deepEqual(composeUpArgs(COMPOSE_PLUGIN, target), [
      "compose",
      "--project-name",
      "vllm-monitor",
      "--env-file",
      "/repo/build/compose.env",
      "--file",
      "/repo/docker-compose.yml",
      "up",
      "--detach",
      "--remove-orphans",
    ]);
  });

  test("reload sends SIGHUP to Prometheus alone, and to Alertmanager too when alerting is configured", () => {
    const prometheusOnly = composeReloadArgs(COMPOSE_PLUGIN, target, { alertmanager: false });
    assert.deepEqual(prometheusOnly.slice(-4), ["kill", "-s", "SIGHUP", "prometheus"]);
    const both = composeReloadArgs(COMPOSE_PLUGIN, target, { alertmanager: true });
    assert.deepEqual(both.slice(-5), ["kill", "-s", "SIGHUP", "prometheus", "alertmanager"]);
    // why: the alerts profile must be on, or compose does not know the alertmanager service.
    assert.deepEqual(profilesOf(both), ["alerts"]);
  });

  test("up rebuilds our image only when asked", () => {
    assert.ok(composeUpArgs(COMPOSE_PLUGIN, target, { build: true }).includes("--build"));
    assert.ok(!composeUpArgs(COMPOSE_PLUGIN, target).includes("--build"));
  });

  test("docker-compose v1 gets the same options without the `compose` word", () => {
    assert.deepEqual(composeUpArgs(COMPOSE_STANDALONE, target), composeUpArgs(COMPOSE_PLUGIN, target).slice(1));
  });

  test("down enables every profile so no profiled container is left running", () => {
    const args = composeDownArgs(COMPOSE_PLUGIN, target);
    assert.deepEqual(profilesOf(args), composeProfileNames());
    assert.deepEqual(args.slice(-2), ["down", "--remove-orphans"]);
    assert.ok(!args.includes("--volumes"));
    assert.ok(composeDownArgs(COMPOSE_PLUGIN, target, { volumes: true }).includes("--volumes"));
  });

  test("down and build work without an env file when none was rendered", () => {
    const bare = { composeFile: target.composeFile, projectName: "vllm-monitor" };
    assert.ok(!composeDownArgs(COMPOSE_PLUGIN, bare).includes("--env-file"));
    assert.ok(!composeBuildArgs(COMPOSE_PLUGIN, bare).includes("--env-file"));
  });

  test("build enables the demo profile, where our own image lives, and pulls no base an air-gapped host loaded by hand", () => {
    const args = composeBuildArgs(COMPOSE_STANDALONE, target);
    assert.deepEqual(profilesOf(args), ["demo"]);
    assert.equal(args.at(-1), "build");
    assert.ok(!args.includes("--pull"));
  });

  test("logs follow by default and can name services", () => {
    assert.deepEqual(composeLogsArgs(COMPOSE_PLUGIN, target, { services: ["grafana"] }).slice(-5), [
      "logs",
      "--follow",
      "--tail",
      "100",
      "grafana",
    ]);
    assert.ok(!composeLogsArgs(COMPOSE_PLUGIN, target, { follow: false }).includes("--follow"));
  });
});

test("the compose commands look for compose.env where the renderer writes it", async () => {
  const { COMPOSE_ENV_FILE_NAME } = await import("../../src/stack/compose/run.js");
  const { OUTPUT_LAYOUT } = await import("../../src/render/layout.js");
  assert.equal(COMPOSE_ENV_FILE_NAME, OUTPUT_LAYOUT.composeEnv);
});
