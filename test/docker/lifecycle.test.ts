import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { vllm } from "../../src/catalog/index.js";
import { DEMO_SERVICES, instantQuery, waitForVector } from "./checks.js";
import { dockerPrerequisites, suiteMode } from "./engine.js";
import { createComposeWorkspace, type ComposeWorkspace } from "./workspace.js";

const prerequisites = await dockerPrerequisites();
const VOLUMES = ["alertmanager-data", "grafana-data", "prometheus-data"];

describe("compose stack lifecycle: up, down, up again, down --volumes", suiteMode(prerequisites), () => {
  let workspace: ComposeWorkspace;
  before(async () => {
    if (prerequisites.missing !== undefined) return;
    workspace = await createComposeWorkspace("lifecycle", prerequisites.user, prerequisites.images);
    workspace.writeEnv({ ADMIN_PASSWORD: "lifecycle-admin-password", SCRAPE_INTERVAL: "1s", GRAFANA_PORT: "3919" });
  });
  after(async () => {
    await workspace?.cleanup();
  });
  const ready = (): void => assert.equal(prerequisites.missing, undefined, prerequisites.missing);
  let firstRunMoment = 0;

  test("running up twice is harmless: the second run exits 0 and keeps the same healthy containers", async () => {
    ready();
    const first = await workspace.cli(["up", ...DEMO_SERVICES]);
    assert.equal(first.code, 0, first.stdout + first.stderr);
    const before = await workspace.waitHealthy(["volume-init", ...DEMO_SERVICES]);
    await waitForVector(workspace, vllm.generationTokens.name, (vector) => vector.length > 0);
    firstRunMoment = Date.now() / 1000;

    const second = await workspace.cli(["up", ...DEMO_SERVICES]);
    assert.equal(second.code, 0, second.stdout + second.stderr);
    const after = await workspace.waitHealthy(["volume-init", ...DEMO_SERVICES]);
    const running = (states: typeof before) =>
      states
        .filter((state) => state.service !== "volume-init")
        .map((state) => state.id)
        .sort();
    assert.deepEqual(running(after), running(before), "the second up recreated containers");
  });

  test("down removes the containers and the rendered folder and keeps the volumes", async () => {
    ready();
    const down = await workspace.cli(["down"]);
    assert.equal(down.code, 0, down.stdout + down.stderr);
    assert.deepEqual(await workspace.containers(), []);
    assert.deepEqual(await workspace.networks(), []);
    assert.equal(existsSync(join(workspace.dir, "build")), false, "the rendered folder (it may hold secrets) is still there");
    assert.deepEqual(
      (await workspace.volumes()).sort(),
      VOLUMES.map((name) => `${workspace.project}_${name}`),
    );
  });

  test("a second up still has the samples of the first", async () => {
    ready();
    const up = await workspace.cli(["up", ...DEMO_SERVICES]);
    assert.equal(up.code, 0, up.stdout + up.stderr);
    await workspace.waitHealthy(["volume-init", "prometheus"]);
    const earlier = await instantQuery(workspace, vllm.generationTokens.name, firstRunMoment);
    assert.ok(earlier.length > 0, "the samples of the first run are gone");
  });

  test("down --volumes removes the volumes too", async () => {
    ready();
    const down = await workspace.cli(["down", "--volumes"]);
    assert.equal(down.code, 0, down.stdout + down.stderr);
    assert.deepEqual(await workspace.containers(), []);
    assert.deepEqual(await workspace.volumes(), []);
  });
});
